-- 002: friendships and friend requests
--
-- SPDX-License-Identifier: GPL-3.0-or-later

-- Two rows per friendship, one for each side, since the remark is each
-- side's own (docs/PROTOCOL.md 4.6: remarks are private).
CREATE TABLE friendships (
  account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  friend_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  remark       TEXT NOT NULL DEFAULT '',      -- what account_id calls friend_id; '' for none
  since        INTEGER NOT NULL,              -- seconds since the epoch
  PRIMARY KEY (account_id, friend_id),
  CHECK (account_id <> friend_id)
) WITHOUT ROWID;

-- One row per (requester, target). While pending (state 0) it is a request
-- that waits for the target's answer. Any other state is its outcome,
-- decided or expired but not yet delivered to the requester; the row is
-- deleted once it has been. A new request from the same requester to the
-- same target replaces an outcome nobody took.
CREATE TABLE friend_requests (
  requester_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  target_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  greeting     TEXT NOT NULL,
  created_at   INTEGER NOT NULL,              -- seconds since the epoch
  state        INTEGER NOT NULL DEFAULT 0,    -- 0 pending, 1 accepted, 2 rejected, 3 expired
  reason       TEXT NOT NULL DEFAULT '',      -- the rejection's reason
  decided_at   INTEGER NOT NULL DEFAULT 0,    -- microseconds since the epoch; 0 while pending
  PRIMARY KEY (requester_id, target_id),
  CHECK (requester_id <> target_id),
  CHECK (state BETWEEN 0 AND 3)
) WITHOUT ROWID;
-- The target's pending list at login, oldest first.
CREATE INDEX friend_requests_pending_by_target ON friend_requests (target_id, created_at) WHERE state = 0;
-- The periodic expiry, oldest first.
CREATE INDEX friend_requests_pending_by_age ON friend_requests (created_at) WHERE state = 0;

-- Accounts are never deleted yet, so the cascades above only need the
-- primary keys; a migration that starts deleting accounts adds indexes on
-- friendships (friend_id) and friend_requests (target_id) first.
