-- 003: conversations, their messages, and how far each member has them
--
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- docs/PROTOCOL.md 7. The delivery state is one cursor per (member,
-- conversation), "committed up to seq N", not a row per recipient per
-- message: what is above a member's cursor and not its own is pending.

-- kind 0: one-to-one between accounts a < b; kind 1 (groups, later): the
-- group in a, b = 0. last_seq is the highest sequence given out: the next
-- message takes last_seq + 1 in the same transaction, so they are gapless.
CREATE TABLE conversations (
  id           INTEGER PRIMARY KEY,
  kind         INTEGER NOT NULL,
  a            INTEGER NOT NULL,
  b            INTEGER NOT NULL,
  last_seq     INTEGER NOT NULL DEFAULT 0,
  UNIQUE (kind, a, b)
);

CREATE TABLE messages (
  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq             INTEGER NOT NULL,
  sender_id       INTEGER NOT NULL,
  client_msg_id   INTEGER NOT NULL,           -- the sender's 64 random bits, as a signed integer
  msg_type        INTEGER NOT NULL,
  payload         BLOB NOT NULL,
  server_time     INTEGER NOT NULL,           -- microseconds since the epoch
  UNIQUE (conversation_id, seq)
);

-- A retry is the same message: (sender, client message id) is unique.
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_msg_id);

-- Every member of a conversation has one, made with the conversation.
CREATE TABLE cursors (
  account_id      INTEGER NOT NULL,
  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  received        INTEGER NOT NULL DEFAULT 0, -- the member has committed up to this seq
  last_sent       INTEGER NOT NULL DEFAULT 0, -- the seq of the member's own latest message
  PRIMARY KEY (account_id, conversation_id)
) WITHOUT ROWID;

CREATE INDEX cursors_by_conversation ON cursors (conversation_id);
