// Shared by the fuzz targets: the input as a file without touching the disk
// (a memfd, opened again by path through /proc/self/fd, so the readers run
// their real file code), and the rule of every target: an sl::error is an
// answer, anything else -- another exception, a crash, a sanitizer report,
// an allocation past libFuzzer's -malloc_limit_mb -- is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <sys/mman.h>
#include <unistd.h>

namespace sessionlib_fuzz {

/// One in-memory file, rewritten for each input.
class memory_file {
 public:
  explicit memory_file(const char* name) : fd_(::memfd_create(name, 0)) {
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  /// Replaces the file's content with `bytes`; returns its path.
  const std::string& hold(std::string_view bytes) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// A property the reader promised does not hold: a finding.
#define SESSIONLIB_FUZZ_ASSERT(cond) \
  do {                               \
    if (!(cond)) __builtin_trap();   \
  } while (0)

}  // namespace sessionlib_fuzz
