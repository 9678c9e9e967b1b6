-- The outbox (issue 14): webhooks and the offline notifier read the room event log after commit.

-- The transaction that logged each event. Every event of a transaction older than the oldest running one
-- (pg_snapshot_xmin) is committed or never will be, so a reader that only goes up to that point misses nothing.
ALTER TABLE "RoomEvent" ADD COLUMN "txid" xid8 NOT NULL DEFAULT pg_current_xact_id();

-- CreateIndex
CREATE INDEX "RoomEvent_txid_chatRoomId_eventSeq_idx" ON "RoomEvent"("txid", "chatRoomId", "eventSeq");

-- CreateTable
CREATE TABLE "OutboxCursor" (
    "consumer" TEXT NOT NULL,
    "txid" xid8 NOT NULL,
    "chatRoomId" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    "eventSeq" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboxCursor_pkey" PRIMARY KEY ("consumer")
);

-- CreateTable
CREATE TABLE "OutboxDelivery" (
    "id" UUID NOT NULL,
    "target" TEXT NOT NULL,
    "chatRoomId" UUID NOT NULL,
    "eventSeq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "OutboxDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OutboxDelivery_status_nextAttemptAt_idx" ON "OutboxDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboxDelivery_createdAt_idx" ON "OutboxDelivery"("createdAt");

-- CreateIndex
CREATE INDEX "OutboxDelivery_chatRoomId_eventSeq_idx" ON "OutboxDelivery"("chatRoomId", "eventSeq");
