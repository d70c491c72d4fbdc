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
#include <string>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "../core/error.hpp"
#include "../runtime/any_array.hpp"

namespace sessionlib::train {

static_assert(std::endian::native == std::endian::little,
              "sessionlib: checkpoints: .npy payloads are written in the machine's byte order, which must be little-endian");

/// zlib's CRC-32 of `n` bytes, continuing from `crc` (0 to start).
inline std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc = 0) {
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

namespace detail {

/// Test hook: called with the final path of each checkpoint file after its
/// data is on disk and before it is renamed into place. A test throws from it
/// to simulate a crash or a full disk in the middle of a save.
inline std::function<void(const std::filesystem::path&)>& checkpoint_write_hook() {
  static std::function<void(const std::filesystem::path&)> hook;
  return hook;
}

[[noreturn]] inline void throw_io(const std::string& what, const std::filesystem::path& path, int err) {
  const std::string message = what + " '" + path.string() + "': " + std::strerror(err);
  if (err == ENOENT) throw not_found(message);
  throw error(error_code::aborted, message);
}

/// fsync of a directory, so a rename inside it survives a power cut.
inline void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: some file systems cannot open directories
  (void)::fsync(fd);
  ::close(fd);
}

/// A file written under a temporary name and renamed into place by commit();
/// destroyed uncommitted, it removes the temporary and leaves `path` untouched.
class atomic_file {
 public:
  explicit atomic_file(std::filesystem::path path) : path_(std::move(path)) {
    static std::atomic<std::uint64_t> counter{0};  // unique temporaries for concurrent saves
    temp_ = path_;
    temp_ += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    file_ = std::fopen(temp_.c_str(), "wb");
    if (!file_) throw_io("Failed to create", temp_, errno);
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() {
    if (file_) std::fclose(file_);
    if (!committed_) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
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
    sync_directory(path_.parent_path());
  }

 private:
  std::filesystem::path path_, temp_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

/// numpy's descr of a dtype: "<f4", "<i8", "|u1", "|b1".
inline std::string_view npy_descr(dtype t) {
  switch (t) {
    case dtype::float32: return "<f4";
    case dtype::float64: return "<f8";
    case dtype::int32: return "<i4";
    case dtype::int64: return "<i8";
    case dtype::uint8: return "|u1";
    case dtype::bool_: return "|b1";
  }
  return "?";
}

inline bool npy_dtype(std::string_view descr, dtype& out) {
  for (dtype t : {dtype::float32, dtype::float64, dtype::int32, dtype::int64, dtype::uint8, dtype::bool_})
    if (descr == npy_descr(t)) return out = t, true;
  if (descr == "<u1") return out = dtype::uint8, true;
  if (descr == "<b1") return out = dtype::bool_, true;
  return false;
}

/// The .npy v1.0 preamble (magic, version, length, header dict) as numpy
/// writes it: the dict padded with spaces and a newline to a multiple of 64.
inline std::string npy_header(dtype t, const dims& shape) {
  std::string dict = "{'descr': '" + std::string(npy_descr(t)) + "', 'fortran_order': False, 'shape': " + to_string(shape) + ", }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

/// What a .npy header says.
struct npy_info {
  dtype type = dtype::float32;
  dims shape;
  std::size_t data_offset = 0;  // bytes before the payload
};

// A small parser for the header dict numpy writes: {'key': value, ...}.
inline std::string_view npy_field(std::string_view dict, std::string_view key) {
  const std::string quoted = "'" + std::string(key) + "':";
  const auto at = dict.find(quoted);
  if (at == std::string_view::npos) return {};
  auto v = dict.substr(at + quoted.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return v;
}

/// Parses a .npy preamble; false when it is not a valid C-order .npy header.
inline bool parse_npy_header(std::string_view bytes, npy_info& info, std::string& why) {
  if (bytes.size() < 10 || bytes.substr(0, 6) != std::string_view("\x93NUMPY", 6)) return why = "not a .npy file (bad magic)", false;
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t len = 0, pre = 10;
  if (major == 1) {
    len = static_cast<unsigned char>(bytes[8]) | static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return why = "truncated .npy header", false;
    for (int i = 3; i >= 0; --i) len = len << 8 | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    pre = 12;
  } else {
    return why = "unsupported .npy version " + std::to_string(major), false;
  }
  if (bytes.size() < pre + len) return why = "truncated .npy header", false;
  const std::string_view dict = bytes.substr(pre, len);
  info.data_offset = pre + len;

  auto descr = npy_field(dict, "descr");
  if (descr.size() < 2 || descr.front() != '\'') return why = "bad .npy header: no descr", false;
  descr = descr.substr(1, descr.find('\'', 1) == std::string_view::npos ? 0 : descr.find('\'', 1) - 1);
  if (!npy_dtype(descr, info.type)) return why = "unsupported .npy dtype '" + std::string(descr) + "'", false;

  const auto order = npy_field(dict, "fortran_order");
  if (order.substr(0, 5) != "False") return why = "bad .npy header: fortran_order must be False", false;

  auto sh = npy_field(dict, "shape");
  if (sh.empty() || sh.front() != '(' || sh.find(')') == std::string_view::npos) return why = "bad .npy header: no shape", false;
  sh = sh.substr(1, sh.find(')') - 1);
  info.shape = dims{};
  std::size_t value = 0;
  bool digits = false;
  for (char c : sh) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<std::size_t>(c - '0');
      digits = true;
    } else if (c == ',' || c == ' ' || c == 'L') {
      if (c == ',' && digits) {
        if (info.shape.size() == dims::max_rank) return why = "bad .npy header: rank above 8", false;
        info.shape.push_back(value);
        value = 0;
        digits = false;
      } else if (c == ',' && !digits) {
        return why = "bad .npy header: malformed shape", false;
      }
    } else {
      return why = "bad .npy header: malformed shape", false;
    }
  }
  if (digits) {
    if (info.shape.size() == dims::max_rank) return why = "bad .npy header: rank above 8", false;
    info.shape.push_back(value);
  }
  return true;
}

/// Writes `a` to `path` as .npy, atomically; returns the CRC-32 of the payload.
inline std::uint32_t write_npy_atomic(const std::filesystem::path& path, const any_array& a) {
  atomic_file f(path);
  f.write(npy_header(a.dtype(), a.shape()));
  f.write(a.raw(), a.nbytes());
  const std::uint32_t crc = crc32(a.raw(), a.nbytes());
  f.commit();
  return crc;
}

/// Reads a .npy file; sl::not_found when missing, sl::data_loss when its header
/// is bad or its size disagrees with the header. `crc` receives the payload's CRC-32.
inline any_array read_npy_file(const std::filesystem::path& path, std::uint32_t* crc = nullptr) {
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
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  std::string head(static_cast<std::size_t>(std::min<long>(size, 65536 + 12)), '\0');
  if (std::fread(head.data(), 1, head.size(), f) != head.size()) throw data_loss("Failed to read '" + path.string() + "'");
  npy_info info;
  std::string why;
  if (!parse_npy_header(head, info, why)) throw data_loss("Corrupted .npy file '" + path.string() + "': " + why);
  const std::size_t expected = info.data_offset + info.shape.elements() * dtype_size(info.type);
  if (static_cast<std::size_t>(size) != expected)
    throw data_loss("Corrupted .npy file '" + path.string() + "': " +
                    (static_cast<std::size_t>(size) < expected ? "truncated: " : "trailing bytes: ") + "expected " +
                    std::to_string(expected) + " bytes, found " + std::to_string(size));
  any_array a(info.type, info.shape);
  std::fseek(f, static_cast<long>(info.data_offset), SEEK_SET);
  if (a.nbytes() && std::fread(a.raw(), 1, a.nbytes(), f) != a.nbytes())
    throw data_loss("Failed to read the data of '" + path.string() + "'");
  if (crc) *crc = crc32(a.raw(), a.nbytes());
  return a;
}

}  // namespace detail

/// Writes `a` as a .npy file that `numpy.load` reads as is (atomically: a
/// reader sees the old file or the new one, never a part).
inline void write_npy(const std::filesystem::path& path, const any_array& a) { detail::write_npy_atomic(path, a); }

/// Reads a .npy file (C order; float32/64, int32/64, uint8, bool). sl::not_found
/// when it is missing, sl::data_loss when it is truncated or its header is bad.
inline any_array read_npy(const std::filesystem::path& path) { return detail::read_npy_file(path); }

}  // namespace sessionlib::train
