-- The room event log (issue 14)

-- AlterTable
ALTER TABLE "ChatRoom" ADD COLUMN     "lastEventSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "ChatRoomParticipant" ADD COLUMN     "joinedEventSeq" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "RoomEvent" (
    "chatRoomId" UUID NOT NULL,
    "eventSeq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "messageId" UUID,
    "data" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RoomEvent_pkey" PRIMARY KEY ("chatRoomId","eventSeq")
);

-- CreateIndex
CREATE INDEX "RoomEvent_createdAt_idx" ON "RoomEvent"("createdAt");

-- AddForeignKey
ALTER TABLE "RoomEvent" ADD CONSTRAINT "RoomEvent_chatRoomId_fkey" FOREIGN KEY ("chatRoomId") REFERENCES "ChatRoom"("id") ON DELETE CASCADE ON UPDATE CASCADE;
