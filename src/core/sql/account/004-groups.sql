-- SPDX-License-Identifier: GPL-3.0-or-later
-- Account database, migration 4: the groups the account is (or was) in, and
-- the names of their members as last known. A group's messages are in
-- messages/conversations (003) under the group id with bit 62 set
-- (XG_CONVERSATION_KEY in xg-account-db.h). Never edit a migration that has
-- shipped; add the next one.

-- One row per group. GROUP_LIST at login replaces the list: a group missing
-- from it is gone (left, removed, disbanded) and stays, read-only, with its
-- history. "muted" is this device's own choice, never sent.
CREATE TABLE groups (
  id            INTEGER PRIMARY KEY,      -- the group number
  info          BLOB NOT NULL,            -- a{sv} name, description, avatar (little-endian normal form)
  revision      INTEGER NOT NULL DEFAULT 0, -- of the info held here; 0: not fetched yet
  owner_id      INTEGER NOT NULL DEFAULT 0,
  member_count  INTEGER NOT NULL DEFAULT 0,
  role          INTEGER NOT NULL DEFAULT 0, -- the account's XgProtoGroupRole; 0 once gone
  gone          INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),
  muted         INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1))
);

-- Who wrote in a group, by name (docs/PROTOCOL.md 7.6: a sender who has
-- left is still shown with the name last known).
CREATE TABLE group_names (
  group_id   INTEGER NOT NULL,
  member_id  INTEGER NOT NULL,
  nickname   TEXT NOT NULL,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
