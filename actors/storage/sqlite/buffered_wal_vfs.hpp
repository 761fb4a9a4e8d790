// A SQLite VFS that gathers a transaction's WAL writes into one write.
//
// SQLite writes each WAL frame as two pwrite calls (the 24-byte frame header,
// then the page), so a commit of 130 pages costs 260 system calls before its
// fsync. On this project's machines the calls, not the bytes, are most of
// the commit: 130 frames took 534 µs as separate writes plus fdatasync and
// 229 µs as one write plus fdatasync. This VFS wraps the default one and,
// for WAL files only, keeps consecutive writes in a buffer that goes to the
// file in one write at the next sync (or sooner: a read of those bytes, a
// truncate, a size query, a close, or a full buffer). Every other file and
// every other call passes straight through.
//
// Safe only for connections with `PRAGMA synchronous = FULL`: SQLite syncs
// the WAL inside every commit before it publishes the new frames to other
// connections, so they never read a frame that is still in the buffer. With
// NORMAL there is no sync at commit, and readers would see stale bytes.
#pragma once

namespace webhookd {

// Registers the VFS on first use (thread-safe) and returns its name, for
// sqlite3_open_v2. Never the default VFS: other connections keep SQLite's.
const char* buffered_wal_vfs_name();

// Whether SQLite knows a VFS by this name, and whether it is the default one
// (for tests: the buffered VFS must never become every connection's).
bool vfs_is_registered(const char* name);
bool vfs_is_default(const char* name);

}  // namespace webhookd
