// Fuzz target: the .npy reader (sl::train::read_npy, the reader a restore
// uses for each tensor), on the input as a file, and its header parser on the
// bytes. What reads must hold exactly the payload the file carries.
#include <sessionlib/train/npy.hpp>

#include "fuzz_common.hpp"

namespace sl = sessionlib;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sessionlib_fuzz::memory_file file("fuzz.npy");
  const std::string_view bytes = sessionlib_fuzz::as_text(data, size);
  try {
    const auto info = sl::train::detail::parse_npy_header(bytes, "fuzz.npy");
    SESSIONLIB_FUZZ_ASSERT(info.data_offset <= size);
  } catch (const sl::error&) {
  }
  try {
    std::uint32_t crc = 0;
    const sl::any_array a = sl::train::detail::read_npy_file(file.hold(bytes), &crc);
    SESSIONLIB_FUZZ_ASSERT(a.nbytes() <= size);
    SESSIONLIB_FUZZ_ASSERT(a.nbytes() == a.shape().elements() * sl::dtype_size(a.dtype()));
    SESSIONLIB_FUZZ_ASSERT(crc == sl::train::crc32(data + (size - a.nbytes()), a.nbytes()));
    if (a.dtype() == sl::dtype::bool_) {  // every bool holds 0 or 1
      const auto* b = static_cast<const unsigned char*>(a.raw());
      for (std::size_t i = 0; i < a.nbytes(); ++i) SESSIONLIB_FUZZ_ASSERT(b[i] <= 1);
    }
  } catch (const sl::error&) {
  }
  return 0;
}
