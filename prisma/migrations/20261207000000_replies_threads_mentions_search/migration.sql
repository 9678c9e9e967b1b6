-- Replies, threads, mentions and search (issue 13)

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "replyToId" UUID,
ADD COLUMN     "threadId" UUID,
ADD COLUMN     "threadReplyCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "threadLastReplyAt" TIMESTAMP(3),
ADD COLUMN     "threadParticipantIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "MessageMention" (
    "messageId" UUID NOT NULL,
    "userId" TEXT NOT NULL,
    "chatRoomId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "MessageMention_pkey" PRIMARY KEY ("messageId","userId")
);

-- CreateIndex
CREATE INDEX "Message_threadId_seq_idx" ON "Message"("threadId", "seq");

-- CreateIndex
CREATE INDEX "MessageMention_userId_chatRoomId_seq_idx" ON "MessageMention"("userId", "chatRoomId", "seq");

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_replyToId_fkey" FOREIGN KEY ("replyToId") REFERENCES "Message"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MessageMention" ADD CONSTRAINT "MessageMention_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Full-text search (not expressible in schema.prisma). One configuration for every language the index serves:
-- the default parser tells words of ASCII letters (English stemmer) from other words (Russian stemmer; words
-- in other scripts pass through it unchanged), so a message or a query mixing both languages works.
CREATE TEXT SEARCH CONFIGURATION "chat_search" (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION "chat_search"
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH pg_catalog.english_stem;
ALTER TEXT SEARCH CONFIGURATION "chat_search"
    ALTER MAPPING FOR word, hword, hword_part WITH pg_catalog.russian_stem;

-- The vector is stored (computed once per insert or edit, as the index needs it anyway): a search that reads a
-- user's rooms first, as the planner does for common words, checks each message without re-parsing its text.
ALTER TABLE "Message" ADD COLUMN "searchVector" tsvector
    GENERATED ALWAYS AS (to_tsvector('chat_search'::regconfig, "content")) STORED;
CREATE INDEX "Message_searchVector_idx" ON "Message" USING GIN ("searchVector");
