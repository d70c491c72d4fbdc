// The file layer of checkpoints: numpy's .npy format (written as numpy writes
// it, so `numpy.load` reads it as is), zlib's CRC-32, and atomic file writes
// (a temporary name, flush, fsync, rename, fsync of the directory).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../config.hpp"
#include "../core/checked.hpp"
#include "../core/error.hpp"
#include "../core/any_array.hpp"

namespace sessionlib::train {

static_assert(std::endian::native == std::endian::little,
              "sessionlib: checkpoints: .npy payloads are written in the machine's byte order, which must be little-endian");

#if SESSIONLIB_DEFINITIONS
/// zlib's CRC-32 of `n` bytes, continuing from `crc` (0 to start).
SESSIONLIB_INLINE std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc = 0) {
  auto c = static_cast<uLong>(crc);
  const auto* p = static_cast<const Bytef*>(data);
  while (n > 0) {  // zlib takes a uInt length: feed large buffers in chunks
    const uInt chunk = n > (1u << 30) ? (1u << 30) : static_cast<uInt>(n);
    c = ::crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(c);
}
#else
SESSIONLIB_DECLARE std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc = 0);
#endif

namespace detail {

/// Test hook: called with the final path of each checkpoint file after its
/// data is on disk and before it is renamed into place. A test throws from it
/// to simulate a crash or a full disk in the middle of a save.
inline std::function<void(const std::filesystem::path&)>& checkpoint_write_hook() {
  static std::function<void(const std::filesystem::path&)> hook;
  return hook;
}

#if SESSIONLIB_DEFINITIONS
[[noreturn]] SESSIONLIB_INLINE void throw_io(const std::string& what, const std::filesystem::path& path, int err) {
  const std::string message = what + " '" + path.string() + "': " + std::strerror(err);
  if (err == ENOENT) throw not_found(message);
  if (err == EACCES || err == EPERM || err == EROFS) throw permission_denied(message);
  if (err == ENOSPC || err == EDQUOT) throw resource_exhausted(message);
  throw aborted(message);
}

/// fsync of a directory, so a rename inside it survives a power cut.
SESSIONLIB_INLINE void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: some file systems cannot open directories
  (void)::fsync(fd);
  ::close(fd);
}
#else
[[noreturn]] SESSIONLIB_DECLARE void throw_io(const std::string& what, const std::filesystem::path& path, int err);
SESSIONLIB_DECLARE void sync_directory(const std::filesystem::path& dir);
#endif

/// An exclusive advisory lock (flock) on an open file, released when the
/// object is destroyed or the process dies. flock locks belong to the open
/// file, so two threads of one process exclude each other as two processes do;
/// and the files this process holds are also listed in memory, so a probe from
/// this process never takes one for abandoned where flock is emulated by
/// fcntl locks, which a process never conflicts with itself on (NFS).
class file_lock {
 public:
  file_lock() = default;
  /// Opens `path` (creating it) and waits for its lock.
  static file_lock acquire(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) throw_io("Failed to open the lock file", path, errno);
    return adopt(fd, path);
  }
  /// Takes the lock of an open file descriptor, which it then owns.
  static file_lock adopt(int fd, const std::filesystem::path& path) {
    file_lock l;
    l.fd_ = fd;
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR) throw_io("Failed to lock", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_io("Failed to lock", path, errno);
    l.id_ = {st.st_dev, st.st_ino};
    std::lock_guard g(held_mutex());
    held().insert(l.id_);
    return l;
  }
  enum class probe_result { missing, held, free };
  /// Whether someone holds the lock of `path`: a file some live thread or
  /// process is writing is held; one whose writer died is free.
  static probe_result probe(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? probe_result::missing : probe_result::held;  // unreadable: assume alive
    struct stat st {};
    bool mine = ::fstat(fd, &st) != 0;
    if (!mine) {
      std::lock_guard g(held_mutex());
      mine = held().count({st.st_dev, st.st_ino}) != 0;
    }
    int r = -1;
    if (!mine)
      while ((r = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {}
    ::close(fd);
    return r == 0 ? probe_result::free : probe_result::held;
  }

  file_lock(file_lock&& o) noexcept : fd_(std::exchange(o.fd_, -1)), id_(o.id_) {}
  file_lock& operator=(file_lock&& o) noexcept {
    if (this != &o) release(), fd_ = std::exchange(o.fd_, -1), id_ = o.id_;
    return *this;
  }
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;
  ~file_lock() { release(); }
  void release() noexcept {
    if (fd_ < 0) return;
    {
      std::lock_guard g(held_mutex());
      if (const auto it = held().find(id_); it != held().end()) held().erase(it);
    }
    ::close(fd_);  // closing the last descriptor of the open file drops its lock
    fd_ = -1;
  }

 private:
  struct file_id {
    dev_t dev = 0;
    ino_t ino = 0;
    auto operator<=>(const file_id&) const = default;
  };
  static std::mutex& held_mutex() {
    static std::mutex m;
    return m;
  }
  static std::multiset<file_id>& held() {
    static std::multiset<file_id> s;
    return s;
  }

  int fd_ = -1;
  file_id id_;
};

/// Held shared while a temporary is created and locked, exclusively by a sweep
/// of abandoned temporaries: within a process, no sweep sees a temporary in the
/// moment between its creation and its lock. (Across processes the Saver's
/// directory lock keeps its own temporaries from a sweep.)
inline std::shared_mutex& temp_creation_mutex() {
  static std::shared_mutex m;
  return m;
}

/// The name of a temporary of `final_name`: "<final>.tmp-<pid>-<n>".
inline std::string temp_name(const std::string& final_name) {
  static std::atomic<std::uint64_t> counter{0};  // unique temporaries for concurrent saves
  return final_name + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

#if SESSIONLIB_DEFINITIONS
/// The final name of temporary `name` ("<final>.tmp-<pid>-<n>"), or empty when it is none.
SESSIONLIB_INLINE std::string_view temp_final_name(std::string_view name) {
  auto digits = [](std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
  const auto at = name.rfind(".tmp-");
  if (at == std::string_view::npos || at == 0) return {};
  const std::string_view tail = name.substr(at + 5);
  const auto dash = tail.find('-');
  if (dash == std::string_view::npos || !digits(tail.substr(0, dash)) || !digits(tail.substr(dash + 1))) return {};
  return name.substr(0, at);
}

/// Removes temporary `path` when no live writer holds its lock (its writer
/// died: a SIGKILL, a power cut). Call it holding temp_creation_mutex().
SESSIONLIB_INLINE void remove_abandoned_temp(const std::filesystem::path& path) {
  if (file_lock::probe(path) != file_lock::probe_result::free) return;
  // The probe's lock is gone again, but a writer takes its lock before its
  // temporary can be seen, so a free one stays free: no writer owns it.
  std::error_code ec;
  std::filesystem::remove(path, ec);
}
#else
SESSIONLIB_DECLARE std::string_view temp_final_name(std::string_view name);
SESSIONLIB_DECLARE void remove_abandoned_temp(const std::filesystem::path& path);
#endif

/// A file written under a temporary name and renamed into place by commit();
/// destroyed uncommitted, it removes the temporary and leaves `path` untouched.
/// The writer holds the temporary's lock (file_lock) until it is renamed, so a
/// temporary whose lock is free was left by a writer that died.
class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path path) : path_(std::move(path)), temp_(temp_name(path_.string())) {
    std::shared_lock creating(temp_creation_mutex());
    const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) throw_io("Failed to create", temp_, errno);
    try {
      lock_ = file_lock::adopt(fd, temp_);
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
      throw;
    }
    const int dup = ::dup(fd);  // the FILE closes its own descriptor; the lock's stays open until the rename
    if (dup < 0 || !(file_ = ::fdopen(dup, "wb"))) {
      const int err = errno;
      if (dup >= 0) ::close(dup);
      remove_temp();
      throw_io("Failed to open", temp_, err);
    }
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (file_) std::fclose(file_);
    if (!committed_) remove_temp();
  }

  void write(const void* data, std::size_t n) {
    if (n && std::fwrite(data, 1, n, file_) != n) throw_io("Failed to write", temp_, errno);
  }
  void write(std::string_view s) { write(s.data(), s.size()); }

  /// Flushes, fsyncs and renames the file into place, then syncs the directory.
  void commit() {
    if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) throw_io("Failed to flush", temp_, errno);
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) throw_io("Failed to close", temp_, errno);
    if (auto& hook = checkpoint_write_hook()) hook(path_);
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) throw_io("Failed to rename", temp_, errno);
    committed_ = true;
    lock_.release();
    sync_directory(path_.parent_path());
  }

 private:
  void remove_temp() noexcept {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);  // before the lock goes: nobody else removes a locked temporary
    lock_.release();
  }

  std::filesystem::path path_, temp_;
  file_lock lock_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

#if SESSIONLIB_DEFINITIONS
/// numpy's descr of a dtype: "<f4", "<i8", "|u1", "|b1".
SESSIONLIB_INLINE std::string_view npy_descr(dtype t) {
  switch (t) {
    case dtype::float32: return "<f4";
    case dtype::float64: return "<f8";
    case dtype::int32: return "<i4";
    case dtype::int64: return "<i8";
    case dtype::uint8: return "|u1";
    case dtype::bool_: return "|b1";
    case dtype::string: break;  // no string variables to save (Variable<T> refuses std::string)
  }
  return "?";
}

/// The dtype of a numpy descr sessionlib reads ("<f4", "|u1", ...); false for
/// any other descr, valid or not (npy_unsupported_descr tells which).
SESSIONLIB_INLINE bool npy_dtype(std::string_view descr, dtype& out) {
  for (dtype t : {dtype::float32, dtype::float64, dtype::int32, dtype::int64, dtype::uint8, dtype::bool_})
    if (descr == npy_descr(t)) return out = t, true;
  // One-byte types have no byte order: numpy writes '|', but any marker means the same.
  if (descr == "<u1" || descr == ">u1" || descr == "=u1") return out = dtype::uint8, true;
  if (descr == "<b1" || descr == ">b1" || descr == "=b1") return out = dtype::bool_, true;
  // '=' is the writer's native order, little-endian on every machine sessionlib builds for.
  for (dtype t : {dtype::float32, dtype::float64, dtype::int32, dtype::int64})
    if (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == npy_descr(t).substr(1)) return out = t, true;
  return false;
}

/// When `descr` is a valid numpy type string that sessionlib does not read
/// (">f4", "<f2", "<i2", "<c8", "|O", "<M8[ns]"), what it is ("big-endian
/// float32", "float16"); empty when it is no numpy type string at all.
SESSIONLIB_INLINE std::string npy_unsupported_descr(std::string_view descr) {
  if (descr.size() < 2 || std::string_view("<>|=").find(descr[0]) == std::string_view::npos) return {};
  const char kind = descr[1];
  const std::string_view kinds = "biufcmMOSUV";
  if (kinds.find(kind) == std::string_view::npos) return {};
  std::size_t bytes = 0, i = 2;
  for (; i < descr.size() && descr[i] >= '0' && descr[i] <= '9' && bytes < 1000000; ++i) bytes = bytes * 10 + static_cast<std::size_t>(descr[i] - '0');
  const std::string_view rest = descr.substr(i);
  if (!(rest.empty() || ((kind == 'm' || kind == 'M') && rest.front() == '[' && rest.back() == ']'))) return {};
  if (i == 2 && kind != 'O' && kind != 'V' && kind != 'S' && kind != 'U') return {};  // numbers need a size
  std::string what;
  switch (kind) {
    case 'b': what = "bool of " + std::to_string(bytes) + " bytes"; break;
    case 'i': what = "int" + std::to_string(bytes * 8); break;
    case 'u': what = "uint" + std::to_string(bytes * 8); break;
    case 'f': what = "float" + std::to_string(bytes * 8); break;
    case 'c': what = "complex" + std::to_string(bytes * 8); break;
    case 'm': what = "timedelta64"; break;
    case 'M': what = "datetime64"; break;
    case 'O': what = "object (pickled Python objects)"; break;
    case 'S': what = "bytes strings"; break;
    case 'U': what = "unicode strings"; break;
    default: what = "raw bytes (void)"; break;
  }
  if (descr[0] == '>' && bytes > 1) what = "big-endian " + what;
  return what;
}

/// The .npy v1.0 preamble (magic, version, length, header dict) as numpy
/// writes it: the dict padded with spaces and a newline to a multiple of 64.
SESSIONLIB_INLINE std::string npy_header(dtype t, const dims& shape) {
  std::string dict = "{'descr': '" + std::string(npy_descr(t)) + "', 'fortran_order': False, 'shape': " + to_string(shape) + ", }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}
#else
SESSIONLIB_DECLARE std::string_view npy_descr(dtype t);
SESSIONLIB_DECLARE bool npy_dtype(std::string_view descr, dtype& out);
SESSIONLIB_DECLARE std::string npy_unsupported_descr(std::string_view descr);
SESSIONLIB_DECLARE std::string npy_header(dtype t, const dims& shape);
#endif

/// What a .npy header says.
struct npy_info {
  dtype type = dtype::float32;
  dims shape;
  std::size_t data_offset = 0;   // bytes before the payload
  std::size_t payload_bytes = 0;  // the payload's size, checked: it fits in memory
};

#if SESSIONLIB_DEFINITIONS
// A small parser for the header dict numpy writes: {'key': value, ...}.
// (No std::string here: GCC 12 warns falsely, -Wrestrict, on "'" + key at -O3.)
SESSIONLIB_INLINE std::string_view npy_field(std::string_view dict, std::string_view key) {
  for (auto at = dict.find(key); at != std::string_view::npos; at = dict.find(key, at + 1)) {
    if (at == 0 || dict[at - 1] != '\'' || dict.substr(at + key.size(), 2) != "':") continue;
    auto v = dict.substr(at + key.size() + 2);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    return v;
  }
  return {};
}

/// The bytes before a .npy header dict: 10 for version 1.0, 12 for 2.0 and 3.0.
/// sl::unimplemented for another version, sl::data_loss for a bad magic.
SESSIONLIB_INLINE std::size_t npy_preamble_size(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 8 || bytes.substr(0, 6) != std::string_view("\x93NUMPY", 6))
    throw data_loss("Corrupted .npy file '" + name + "': not a .npy file (bad magic)");
  const auto major = static_cast<unsigned char>(bytes[6]), minor = static_cast<unsigned char>(bytes[7]);
  if ((major < 1 || major > 3) || minor != 0)
    throw unimplemented("Unsupported .npy file '" + name + "': format version " + std::to_string(major) + "." + std::to_string(minor) +
                        " (sessionlib reads 1.0, 2.0 and 3.0)");
  return major == 1 ? 10 : 12;
}

/// Parses a .npy header: `bytes` holds at least its preamble and dict (more is
/// ignored). sl::data_loss naming `name` when it is corrupt, including a shape
/// whose byte size cannot exist; sl::unimplemented saying what is unsupported
/// when it is valid numpy that sessionlib does not read (big-endian, float16,
/// int16, complex, Fortran order, another format version).
SESSIONLIB_INLINE npy_info parse_npy_header(std::string_view bytes, const std::string& name) {
  auto corrupt = [&](const std::string& why) { return data_loss("Corrupted .npy file '" + name + "': " + why); };
  auto unsupported = [&](const std::string& why) { return unimplemented("Unsupported .npy file '" + name + "': " + why); };
  const std::size_t pre = npy_preamble_size(bytes, name);
  if (bytes.size() < pre) throw corrupt("truncated .npy header");
  std::size_t len = 0;
  for (std::size_t i = pre; i > 8; --i) len = len << 8 | static_cast<unsigned char>(bytes[i - 1]);  // little-endian
  if (bytes.size() - pre < len) throw corrupt("truncated .npy header");
  npy_info info;
  info.data_offset = pre + len;
  std::string_view dict = bytes.substr(pre, len);
  while (!dict.empty() && (dict.back() == ' ' || dict.back() == '\n')) dict.remove_suffix(1);
  if (dict.size() < 2 || dict.front() != '{' || dict.back() != '}') throw corrupt("bad .npy header: not a dict");

  auto descr = npy_field(dict, "descr");
  if (!descr.empty() && descr.front() == '[')
    throw unsupported("structured dtype " + std::string(descr.substr(0, descr.find(']') == std::string_view::npos ? 40 : descr.find(']') + 1)));
  const auto close = descr.size() < 2 ? std::string_view::npos : descr.find('\'', 1);
  if (descr.empty() || descr.front() != '\'' || close == std::string_view::npos) throw corrupt("bad .npy header: no descr");
  descr = descr.substr(1, close - 1);
  if (!npy_dtype(descr, info.type)) {
    const std::string what = npy_unsupported_descr(descr);
    if (what.empty()) throw corrupt("bad .npy header: unknown dtype '" + std::string(descr) + "'");
    throw unsupported("dtype '" + std::string(descr) + "' (" + what + "); sessionlib reads float32, float64, int32, int64, uint8 and bool");
  }

  auto sh = npy_field(dict, "shape");
  if (sh.empty() || sh.front() != '(' || sh.find(')') == std::string_view::npos) throw corrupt("bad .npy header: no shape");
  sh = sh.substr(1, sh.find(')') - 1);
  std::size_t value = 0;
  bool digits = false, gap = false;  // gap: a space after digits, so "(1 2)" is not 12
  for (char c : sh) {
    if (c >= '0' && c <= '9') {
      if (gap) throw corrupt("bad .npy header: malformed shape");
      if (__builtin_mul_overflow(value, std::size_t{10}, &value) || __builtin_add_overflow(value, static_cast<std::size_t>(c - '0'), &value))
        throw corrupt("bad .npy header: a dimension of shape (" + std::string(sh) + ") has too many digits");
      digits = true;
    } else if (c == ',' && digits) {
      if (info.shape.size() == dims::max_rank) throw unsupported("rank above 8");
      info.shape.push_back(value);
      value = 0;
      digits = gap = false;
    } else if (c == ' ' || c == 'L') {  // 'L': Python 2's long literals
      gap = digits;
    } else {
      throw corrupt("bad .npy header: malformed shape");
    }
  }
  if (digits) {
    if (info.shape.size() == dims::max_rank) throw unsupported("rank above 8");
    info.shape.push_back(value);
  }
  const std::string where = "Corrupted .npy file '" + name + "'";
  info.payload_bytes = checked_shape_bytes<data_loss>(info.shape, dtype_size(info.type), where);

  const auto order = npy_field(dict, "fortran_order");
  if (order.substr(0, 4) == "True") {
    // Column-major and row-major layouts coincide when at most one extent exceeds 1.
    if (std::count_if(info.shape.begin(), info.shape.end(), [](std::size_t d) { return d > 1; }) > 1)
      throw unsupported("Fortran-order (column-major) array of shape " + to_string(info.shape) +
                        "; save it in C order (numpy.ascontiguousarray)");
  } else if (order.substr(0, 5) != "False") {
    throw corrupt("bad .npy header: fortran_order must be True or False");
  }
  return info;
}

/// Writes `a` to `path` as .npy, atomically; returns the CRC-32 of the payload.
SESSIONLIB_INLINE std::uint32_t write_npy_atomic(const std::filesystem::path& path, const any_array& a) {
  atomic_file f(path);
  f.write(npy_header(a.dtype(), a.shape()));
  f.write(a.raw(), a.nbytes());
  const std::uint32_t crc = crc32(a.raw(), a.nbytes());
  f.commit();
  return crc;
}

/// Reads a .npy file; sl::not_found when missing, sl::data_loss when its header
/// is bad or its size disagrees with the header, sl::unimplemented when it is
/// valid numpy sessionlib does not read. Nothing is allocated before the
/// header's byte size is checked against the file's. `crc` receives the
/// payload's CRC-32.
SESSIONLIB_INLINE any_array read_npy_file(const std::filesystem::path& path, std::uint32_t* crc = nullptr) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    const int err = errno;
    if (err == ENOENT) throw not_found("Checkpoint data file not found: '" + path.string() + "'");
    throw_io("Failed to open", path, err);
  }
  struct closer {
    std::FILE* f;
    ~closer() { std::fclose(f); }
  } guard{f};
  struct stat st {};
  if (::fstat(::fileno(f), &st) != 0) throw_io("Failed to read", path, errno);
  if (!S_ISREG(st.st_mode)) throw_io("Failed to read", path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::string name = path.string();
  auto corrupt = [&](const std::string& why) { return data_loss("Corrupted .npy file '" + name + "': " + why); };

  // The preamble, then the dict it announces (no more than the file holds).
  std::string head(std::min<std::size_t>(size, 12), '\0');
  if (std::fread(head.data(), 1, head.size(), f) != head.size()) throw data_loss("Failed to read '" + name + "'");
  const std::size_t pre = npy_preamble_size(head, name);
  if (head.size() < pre) throw corrupt("truncated .npy header");
  std::size_t len = 0;
  for (std::size_t i = pre; i > 8; --i) len = len << 8 | static_cast<unsigned char>(head[i - 1]);
  if (len > size - pre) throw corrupt("truncated .npy header");
  const std::size_t read = head.size();
  head.resize(pre + len);
  if (head.size() > read && std::fread(head.data() + read, 1, head.size() - read, f) != head.size() - read)
    throw data_loss("Failed to read '" + name + "'");
  const npy_info info = parse_npy_header(head, name);

  const std::size_t expected = info.data_offset + info.payload_bytes;  // both checked: no wrap
  if (size != expected)
    throw corrupt(std::string(size < expected ? "truncated: " : "trailing bytes: ") + "expected " + std::to_string(expected) +
                  " bytes, found " + std::to_string(size));
  any_array a(info.type, info.shape);
  if (std::fseek(f, static_cast<long>(info.data_offset), SEEK_SET) != 0) throw_io("Failed to read", path, errno);
  if (a.nbytes() && std::fread(a.raw(), 1, a.nbytes(), f) != a.nbytes()) throw data_loss("Failed to read the data of '" + name + "'");
  if (crc) *crc = crc32(a.raw(), a.nbytes());
  if (info.type == dtype::bool_) {  // numpy reads any nonzero byte as True; a C++ bool must hold 0 or 1
    auto* b = static_cast<unsigned char*>(a.raw());
    for (std::size_t i = 0; i < a.nbytes(); ++i) b[i] = b[i] != 0;
  }
  return a;
}
#else
SESSIONLIB_DECLARE std::string_view npy_field(std::string_view dict, std::string_view key);
SESSIONLIB_DECLARE std::size_t npy_preamble_size(std::string_view bytes, const std::string& name);
SESSIONLIB_DECLARE npy_info parse_npy_header(std::string_view bytes, const std::string& name);
SESSIONLIB_DECLARE std::uint32_t write_npy_atomic(const std::filesystem::path& path, const any_array& a);
SESSIONLIB_DECLARE any_array read_npy_file(const std::filesystem::path& path, std::uint32_t* crc = nullptr);
#endif

}  // namespace detail

#if SESSIONLIB_DEFINITIONS
/// Writes `a` as a .npy file that `numpy.load` reads as is (atomically: a
/// reader sees the old file or the new one, never a part).
SESSIONLIB_INLINE void write_npy(const std::filesystem::path& path, const any_array& a) { detail::write_npy_atomic(path, a); }

/// Reads a .npy file (float32/64, int32/64, uint8, bool; little-endian, C order).
/// sl::not_found when it is missing; sl::data_loss when it is truncated, its
/// header is bad or claims a shape whose size cannot exist; sl::unimplemented
/// naming what is unsupported for valid numpy files of another kind.
SESSIONLIB_INLINE any_array read_npy(const std::filesystem::path& path) { return detail::read_npy_file(path); }
#else
SESSIONLIB_DECLARE void write_npy(const std::filesystem::path& path, const any_array& a);
SESSIONLIB_DECLARE any_array read_npy(const std::filesystem::path& path);
#endif

}  // namespace sessionlib::train
