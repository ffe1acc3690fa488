-- 005: groups, their members, join requests and invitations
--
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- docs/PROTOCOL.md 4.6 and 7.6. A group's messages live in the messages
-- domain (003) as the conversation (kind 1, a = group id, b = 0); each
-- member has a cursor there, made when it joins at the group's last_seq.

-- Group numbers are given out in order from 100000000 (docs/PROTOCOL.md 6.3):
-- the first insert takes that id, later ones the highest ever given + 1
-- (AUTOINCREMENT: a disbanded group's number is never given to another).
-- revision counts changes of the info (name, description, avatar), from 1.
CREATE TABLE groups (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  avatar       BLOB NOT NULL DEFAULT x'',
  revision     INTEGER NOT NULL DEFAULT 1,
  owner_id     INTEGER NOT NULL REFERENCES accounts (id),
  member_count INTEGER NOT NULL DEFAULT 1,    -- kept in the transaction that changes the members
  created_at   INTEGER NOT NULL,              -- seconds since the epoch
  CHECK (id >= 100000000)
);
CREATE INDEX groups_by_owner ON groups (owner_id);

-- role: 1 owner, 2 admin, 3 member (XgProtoGroupRole). joined_seq is the
-- group's last_seq when the member joined: history before it is not theirs.
CREATE TABLE group_members (
  group_id     INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role         INTEGER NOT NULL,
  joined_at    INTEGER NOT NULL,              -- microseconds since the epoch: the joining order
  joined_seq   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, account_id),
  CHECK (role BETWEEN 1 AND 3)
) WITHOUT ROWID;
-- An account's groups (GROUP_LIST, limits, account deletion).
CREATE INDEX group_members_by_account ON group_members (account_id);

-- As friend_requests: state 0 waits for an owner's or admin's answer; any
-- other state is an outcome not yet delivered to the applicant (the row is
-- deleted once it has been). A new request replaces an outcome nobody took.
CREATE TABLE group_join_requests (
  group_id     INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  applicant_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  reason       TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,              -- seconds since the epoch
  state        INTEGER NOT NULL DEFAULT 0,    -- 0 pending, 1 approved, 2 rejected, 3 expired
  decided_by   INTEGER NOT NULL DEFAULT 0,
  reject_reason TEXT NOT NULL DEFAULT '',
  decided_at   INTEGER NOT NULL DEFAULT 0,    -- microseconds since the epoch; 0 while pending
  PRIMARY KEY (group_id, applicant_id),
  CHECK (state BETWEEN 0 AND 3)
) WITHOUT ROWID;
CREATE INDEX group_join_requests_by_applicant ON group_join_requests (applicant_id);
CREATE INDEX group_join_requests_pending_by_age ON group_join_requests (created_at) WHERE state = 0;

-- An invitation waits for the invited friend's answer; it is deleted when
-- answered or expired (the inviter is never told).
CREATE TABLE group_invites (
  group_id     INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  invitee_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  inviter_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,              -- seconds since the epoch
  PRIMARY KEY (invitee_id, group_id, inviter_id)
) WITHOUT ROWID;
CREATE INDEX group_invites_by_age ON group_invites (created_at);
