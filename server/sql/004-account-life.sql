-- 004: codes for every purpose; accounts can be deleted
--
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Registration, password reset and address change codes share one table
-- and one set of rules (docs/PROTOCOL.md 3.8, 8.3); each kind has its own
-- row per address, so a code of one kind never serves another.
CREATE TABLE codes (
  purpose       INTEGER NOT NULL,              -- 0 registration, 1 password reset, 2 address change
  email         TEXT NOT NULL,                 -- where the code went, lower-cased
  account_id    INTEGER NOT NULL DEFAULT 0,    -- address change: the account that asked; else 0
  code_hash     BLOB NOT NULL,                 -- keyed BLAKE2b of the code
  expires_at    INTEGER NOT NULL,
  attempts_left INTEGER NOT NULL,
  last_sent_at  INTEGER NOT NULL,
  window_start  INTEGER NOT NULL,              -- start of the hourly sending window
  window_count  INTEGER NOT NULL,
  PRIMARY KEY (purpose, email),
  CHECK (purpose BETWEEN 0 AND 2)
) WITHOUT ROWID;
INSERT INTO codes (purpose, email, code_hash, expires_at, attempts_left, last_sent_at, window_start, window_count)
  SELECT 0, email, code_hash, expires_at, attempts_left, last_sent_at, window_start, window_count
  FROM register_codes;
DROP TABLE register_codes;

-- ACCOUNT_DELETE deletes the account row; the cascades of 001 and 002
-- then look friendships and requests up by the other column too.
CREATE INDEX friendships_by_friend ON friendships (friend_id);
CREATE INDEX friend_requests_by_target ON friend_requests (target_id);
