-- 006: the login sync's lists in the order of an index
--
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The friend list goes out in the order the friendships were made, the
-- group list in the order the account joined (/friends/list-order,
-- /groups/list-order). With these indexes SQLite reads both in that order
-- instead of sorting them at every login (a sorter costs as much as the
-- read of a short list). Both end with the table's primary key, which
-- breaks ties.
CREATE INDEX friendships_by_since ON friendships (account_id, since);

DROP INDEX group_members_by_account;
-- An account's groups in joining order (GROUP_LIST, limits, account deletion).
CREATE INDEX group_members_by_account ON group_members (account_id, joined_at);
