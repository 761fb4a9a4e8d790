#include "actors/storage/sqlite/buffered_wal_vfs.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "actors/storage/sqlite/connection.hpp"

namespace webhookd {

namespace {

// A commit of 64 rows writes about 330 frames (1.4 MiB); a larger one (a
// migration's backfill) goes out in pieces of this size.
constexpr std::size_t max_buffer_bytes = 2 * 1024 * 1024;
// The unix VFS cuts a single write at 128 KiB (it masks the length with
// 0x1ffff, as SQLite never writes more than a 64 KiB page at once) and then
// reports SQLITE_FULL, so the buffer goes out in pieces of this size.
constexpr std::size_t max_write_bytes = 64 * 1024;

struct wal_buffer {
  std::vector<char> bytes;  // grows on demand up to max_buffer_bytes
  sqlite3_int64 start = 0;  // file offset of bytes[0]
  std::size_t size = 0;     // bytes in use; 0: empty

  sqlite3_int64 end() const { return start + static_cast<sqlite3_int64>(size); }
  bool overlaps(sqlite3_int64 offset, int amount) const {
    return size > 0 && offset < end() && offset + amount > start;
  }
};

// What SQLite allocates for each open file of this VFS (szOsFile bytes): our
// part first, then the wrapped VFS's own file object.
struct wrapped_file {
  sqlite3_file base;           // must come first: SQLite reads pMethods here
  sqlite3_file* real;          // the wrapped VFS's file, just after this struct
  wal_buffer* buffer;          // only for WAL files
};

constexpr std::size_t real_file_offset = (sizeof(wrapped_file) + 15) / 16 * 16;

sqlite3_vfs* wrapped_vfs = nullptr;  // the default VFS when this one was registered
sqlite3_vfs buffered_vfs{};

wrapped_file& as_wrapped(sqlite3_file* file) { return *reinterpret_cast<wrapped_file*>(file); }
sqlite3_file* real_of(sqlite3_file* file) { return as_wrapped(file).real; }
const sqlite3_io_methods& real_methods(sqlite3_file* file) { return *real_of(file)->pMethods; }

// Writes out what is buffered. The buffer is empty afterwards even when the
// write fails: SQLite then abandons the transaction, and frames past the last
// commit are never read.
int flush(wrapped_file& file) {
  wal_buffer& buffer = *file.buffer;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < buffer.size && rc == SQLITE_OK; done += max_write_bytes) {
    const std::size_t piece = std::min(max_write_bytes, buffer.size - done);
    rc = file.real->pMethods->xWrite(file.real, buffer.bytes.data() + done, static_cast<int>(piece),
                                     buffer.start + static_cast<sqlite3_int64>(done));
  }
  buffer.size = 0;
  return rc;
}

// Makes room for `bytes` bytes; false when memory is short (the caller then
// writes through).
bool reserve(wal_buffer& buffer, std::size_t bytes) {
  if (buffer.bytes.size() >= bytes) return true;
  try {
    buffer.bytes.resize(std::min(max_buffer_bytes, std::max(bytes, buffer.bytes.size() * 2)));
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

// --- WAL files: buffered writes ---------------------------------------------

int wal_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  wrapped_file& wrapped = as_wrapped(file);
  wal_buffer& buffer = *wrapped.buffer;
  const auto bytes = static_cast<std::size_t>(amount);
  // Appends to the buffered run, or rewrites part of it (SQLite rewrites a
  // frame of the open transaction in place when the page changes again).
  if (buffer.size > 0 && offset >= buffer.start && offset <= buffer.end()) {
    const auto at = static_cast<std::size_t>(offset - buffer.start);
    if (at + bytes <= max_buffer_bytes && reserve(buffer, at + bytes)) {
      std::memcpy(buffer.bytes.data() + at, data, bytes);
      buffer.size = std::max(buffer.size, at + bytes);
      return SQLITE_OK;
    }
  }
  if (int rc = flush(wrapped); rc != SQLITE_OK) return rc;
  if (bytes > max_write_bytes || !reserve(buffer, bytes))
    return real_methods(file).xWrite(real_of(file), data, amount, offset);
  std::memcpy(buffer.bytes.data(), data, bytes);
  buffer.start = offset;
  buffer.size = bytes;
  return SQLITE_OK;
}

int wal_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  wrapped_file& wrapped = as_wrapped(file);
  if (wrapped.buffer->overlaps(offset, amount)) {
    if (int rc = flush(wrapped); rc != SQLITE_OK) return rc;
  }
  return real_methods(file).xRead(real_of(file), data, amount, offset);
}

int wal_sync(sqlite3_file* file, int flags) {
  if (int rc = flush(as_wrapped(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xSync(real_of(file), flags);
}

int wal_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int rc = flush(as_wrapped(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xTruncate(real_of(file), size);
}

int wal_file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (int rc = flush(as_wrapped(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xFileSize(real_of(file), size);
}

int wal_close(sqlite3_file* file) {
  wrapped_file& wrapped = as_wrapped(file);
  const int flushed = flush(wrapped);
  const int closed = real_methods(file).xClose(real_of(file));
  delete wrapped.buffer;
  wrapped.buffer = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

// --- every file: pass-through ------------------------------------------------

int pass_close(sqlite3_file* file) { return real_methods(file).xClose(real_of(file)); }
int pass_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  return real_methods(file).xRead(real_of(file), data, amount, offset);
}
int pass_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  return real_methods(file).xWrite(real_of(file), data, amount, offset);
}
int pass_truncate(sqlite3_file* file, sqlite3_int64 size) {
  return real_methods(file).xTruncate(real_of(file), size);
}
int pass_sync(sqlite3_file* file, int flags) { return real_methods(file).xSync(real_of(file), flags); }
int pass_file_size(sqlite3_file* file, sqlite3_int64* size) {
  return real_methods(file).xFileSize(real_of(file), size);
}
int pass_lock(sqlite3_file* file, int level) { return real_methods(file).xLock(real_of(file), level); }
int pass_unlock(sqlite3_file* file, int level) {
  return real_methods(file).xUnlock(real_of(file), level);
}
int pass_check_reserved_lock(sqlite3_file* file, int* out) {
  return real_methods(file).xCheckReservedLock(real_of(file), out);
}
int pass_file_control(sqlite3_file* file, int op, void* arg) {
  return real_methods(file).xFileControl(real_of(file), op, arg);
}
int pass_sector_size(sqlite3_file* file) { return real_methods(file).xSectorSize(real_of(file)); }
int pass_device_characteristics(sqlite3_file* file) {
  return real_methods(file).xDeviceCharacteristics(real_of(file));
}
// Shared memory and memory mapping are used on the database file, not on the
// WAL; they exist only from io_methods version 2 and 3 on.
int pass_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  if (real_methods(file).iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return real_methods(file).xShmMap(real_of(file), region, size, extend, out);
}
int pass_shm_lock(sqlite3_file* file, int offset, int count, int flags) {
  if (real_methods(file).iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return real_methods(file).xShmLock(real_of(file), offset, count, flags);
}
void pass_shm_barrier(sqlite3_file* file) {
  if (real_methods(file).iVersion >= 2) real_methods(file).xShmBarrier(real_of(file));
}
int pass_shm_unmap(sqlite3_file* file, int delete_flag) {
  if (real_methods(file).iVersion < 2) return SQLITE_OK;
  return real_methods(file).xShmUnmap(real_of(file), delete_flag);
}
int pass_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  if (real_methods(file).iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return real_methods(file).xFetch(real_of(file), offset, amount, out);
}
int pass_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  if (real_methods(file).iVersion < 3) return SQLITE_OK;
  return real_methods(file).xUnfetch(real_of(file), offset, page);
}

constexpr sqlite3_io_methods pass_through_methods{
  3,
  pass_close, pass_read, pass_write, pass_truncate, pass_sync, pass_file_size,
  pass_lock, pass_unlock, pass_check_reserved_lock, pass_file_control,
  pass_sector_size, pass_device_characteristics,
  pass_shm_map, pass_shm_lock, pass_shm_barrier, pass_shm_unmap,
  pass_fetch, pass_unfetch,
};

constexpr sqlite3_io_methods buffered_wal_methods{
  3,
  wal_close, wal_read, wal_write, wal_truncate, wal_sync, wal_file_size,
  pass_lock, pass_unlock, pass_check_reserved_lock, pass_file_control,
  pass_sector_size, pass_device_characteristics,
  pass_shm_map, pass_shm_lock, pass_shm_barrier, pass_shm_unmap,
  pass_fetch, pass_unfetch,
};

// --- the VFS ------------------------------------------------------------------

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  wrapped_file& wrapped = as_wrapped(file);
  wrapped.base.pMethods = nullptr;  // SQLite does not close a file that failed to open
  wrapped.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_file_offset);
  wrapped.real->pMethods = nullptr;
  wrapped.buffer = nullptr;
  const int rc = wrapped_vfs->xOpen(wrapped_vfs, name, wrapped.real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (wrapped.real->pMethods != nullptr) wrapped.real->pMethods->xClose(wrapped.real);
    return rc;
  }
  if ((flags & SQLITE_OPEN_WAL) != 0) wrapped.buffer = new (std::nothrow) wal_buffer{};
  wrapped.base.pMethods = wrapped.buffer != nullptr ? &buffered_wal_methods : &pass_through_methods;
  return SQLITE_OK;
}

int delete_file(sqlite3_vfs*, const char* name, int sync_dir) {
  return wrapped_vfs->xDelete(wrapped_vfs, name, sync_dir);
}
int access_file(sqlite3_vfs*, const char* name, int flags, int* out) {
  return wrapped_vfs->xAccess(wrapped_vfs, name, flags, out);
}
int full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return wrapped_vfs->xFullPathname(wrapped_vfs, name, size, out);
}
void* dl_open(sqlite3_vfs*, const char* name) { return wrapped_vfs->xDlOpen(wrapped_vfs, name); }
void dl_error(sqlite3_vfs*, int size, char* out) { wrapped_vfs->xDlError(wrapped_vfs, size, out); }
void (*dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return wrapped_vfs->xDlSym(wrapped_vfs, handle, symbol);
}
void dl_close(sqlite3_vfs*, void* handle) { wrapped_vfs->xDlClose(wrapped_vfs, handle); }
int randomness(sqlite3_vfs*, int size, char* out) {
  return wrapped_vfs->xRandomness(wrapped_vfs, size, out);
}
int sleep_for(sqlite3_vfs*, int microseconds) { return wrapped_vfs->xSleep(wrapped_vfs, microseconds); }
int current_time(sqlite3_vfs*, double* out) { return wrapped_vfs->xCurrentTime(wrapped_vfs, out); }
int last_error(sqlite3_vfs*, int size, char* out) {
  return wrapped_vfs->xGetLastError(wrapped_vfs, size, out);
}
int current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return wrapped_vfs->xCurrentTimeInt64(wrapped_vfs, out);
}

const char* register_vfs() {
  wrapped_vfs = sqlite3_vfs_find(nullptr);
  // Version 2 (xCurrentTimeInt64) is all this VFS forwards; the system-call
  // overrides of version 3 are for SQLite's own tests.
  if (wrapped_vfs == nullptr || wrapped_vfs->iVersion < 2)
    throw sqlite::error{SQLITE_ERROR, "no suitable default SQLite VFS to wrap"};
  buffered_vfs.iVersion = 2;
  buffered_vfs.szOsFile = static_cast<int>(real_file_offset) + wrapped_vfs->szOsFile;
  buffered_vfs.mxPathname = wrapped_vfs->mxPathname;
  buffered_vfs.zName = "webhookd-buffered-wal";
  buffered_vfs.xOpen = open_file;
  buffered_vfs.xDelete = delete_file;
  buffered_vfs.xAccess = access_file;
  buffered_vfs.xFullPathname = full_pathname;
  buffered_vfs.xDlOpen = dl_open;
  buffered_vfs.xDlError = dl_error;
  buffered_vfs.xDlSym = dl_sym;
  buffered_vfs.xDlClose = dl_close;
  buffered_vfs.xRandomness = randomness;
  buffered_vfs.xSleep = sleep_for;
  buffered_vfs.xCurrentTime = current_time;
  buffered_vfs.xGetLastError = last_error;
  buffered_vfs.xCurrentTimeInt64 = current_time_int64;
  if (int rc = sqlite3_vfs_register(&buffered_vfs, 0); rc != SQLITE_OK)
    throw sqlite::error{rc, std::string{"cannot register SQLite VFS: "} + sqlite3_errstr(rc)};
  return buffered_vfs.zName;
}

}  // namespace

const char* buffered_wal_vfs_name() {
  static const char* const name = register_vfs();
  return name;
}

bool vfs_is_registered(const char* name) { return sqlite3_vfs_find(name) != nullptr; }

bool vfs_is_default(const char* name) {
  const sqlite3_vfs* found = sqlite3_vfs_find(name);
  return found != nullptr && found == sqlite3_vfs_find(nullptr);
}

}  // namespace webhookd
