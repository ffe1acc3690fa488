-- SPDX-License-Identifier: GPL-3.0-or-later
-- Account database, migration 3: one-to-one conversations, their messages
-- and the outbox (docs/PROTOCOL.md 7). Never edit a migration that has
-- shipped; add the next one.

-- One row per message, whoever wrote it. An outgoing message is written
-- here before it is first sent, with no seq (it is in the outbox: state 0
-- sending or 2 failed); MSG_SENT_ACK gives it its seq (state 1). A
-- (peer, seq) is one message however often it is delivered.
CREATE TABLE messages (
  id             INTEGER PRIMARY KEY,      -- local order of writing
  peer_id        INTEGER NOT NULL,         -- the conversation: the other account
  seq            INTEGER,                  -- the server's; NULL while in the outbox
  client_msg_id  INTEGER NOT NULL,         -- the sender's 64 random bits, as a signed integer
  sender_id      INTEGER NOT NULL,
  msg_type       INTEGER NOT NULL,
  payload        BLOB NOT NULL,
  time           INTEGER NOT NULL,         -- µs since the epoch: the server's, or when written
  state          INTEGER NOT NULL DEFAULT 1 CHECK (state IN (0, 1, 2)),
  error          TEXT NOT NULL DEFAULT '', -- state 2: why the server refused it
  UNIQUE (peer_id, seq),
  UNIQUE (sender_id, client_msg_id)
);

CREATE INDEX messages_outbox ON messages (state) WHERE state <> 1;

-- Unread counts: the peer's messages above what was read, from the index alone.
CREATE INDEX messages_by_sender ON messages (peer_id, sender_id, seq);

-- What this device has of each conversation. Every seq from base to
-- received is in messages: that is what the client acknowledges, and a
-- message above received + 1 means a gap to fetch.
CREATE TABLE conversations (
  peer_id        INTEGER PRIMARY KEY,
  base           INTEGER NOT NULL DEFAULT 0, -- the lowest seq here (0: none yet)
  received       INTEGER NOT NULL DEFAULT 0,
  peer_received  INTEGER NOT NULL DEFAULT 0, -- MSG_DELIVERED: the peer has everything up to this
  read           INTEGER NOT NULL DEFAULT 0, -- the user has seen the peer's messages up to this
  activity       INTEGER NOT NULL DEFAULT 0  -- µs: the newest message's time
);
