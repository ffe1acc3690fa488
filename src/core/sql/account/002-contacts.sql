-- SPDX-License-Identifier: GPL-3.0-or-later
-- Account database, migration 2: friends, what they show of themselves, and
-- the friend requests still waiting. Never edit a migration that has
-- shipped; add the next one.
CREATE TABLE contacts (
  id        INTEGER PRIMARY KEY,            -- the friend's account id
  nickname  TEXT NOT NULL,
  remark    TEXT NOT NULL DEFAULT ''        -- this account's own name for the friend
);

-- The friend's public profile as USER_INFO last told it; kept apart, so
-- that saving the friend list does not rewrite avatars.
CREATE TABLE contact_info (
  id          INTEGER PRIMARY KEY,
  body        BLOB NOT NULL,                -- USER_INFO body (tsa{sv}), little-endian normal form
  fetched_at  INTEGER NOT NULL              -- seconds since the epoch
);

CREATE TABLE friend_requests (
  outgoing  INTEGER NOT NULL CHECK (outgoing IN (0, 1)),   -- 1: this account asked
  peer_id   INTEGER NOT NULL,               -- who asked, or whom it asked
  nickname  TEXT NOT NULL,                  -- the peer's display name
  greeting  TEXT NOT NULL,
  time      INTEGER NOT NULL,               -- when it was asked, seconds since the epoch
  PRIMARY KEY (outgoing, peer_id)
) WITHOUT ROWID;
