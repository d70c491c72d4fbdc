// Fuzz target: the checkpoint index parser (sl::train::detail::parse_index).
// Each input is parsed twice: as it is, which exercises the verification of
// the end line and checksum, and "resealed" -- its end line's CRC replaced by
// the right one -- so mutations of the entry lines reach the line parser.
// What parses must describe tensors whose byte size exists, and must survive
// a write and a second read unchanged.
#include <sessionlib/train/checkpoint.hpp>

#include "fuzz_common.hpp"

namespace sl = sessionlib;

namespace {

void check(std::string_view text) {
  std::vector<sl::train::checkpoint_entry> entries;
  try {
    entries = sl::train::detail::parse_index(text, "fuzz.index");
  } catch (const sl::error&) {
    return;
  }
  for (const auto& e : entries) {
    SESSIONLIB_FUZZ_ASSERT(!e.name.empty() && !e.file.empty());
    std::size_t bytes = 0;
    SESSIONLIB_FUZZ_ASSERT(sl::detail::shape_bytes(e.shape, sl::dtype_size(e.type), bytes));
  }
  const auto again = sl::train::detail::parse_index(sl::train::detail::format_index(entries), "fuzz.index");
  SESSIONLIB_FUZZ_ASSERT(again.size() == entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i)
    SESSIONLIB_FUZZ_ASSERT(again[i].name == entries[i].name && again[i].type == entries[i].type && again[i].shape == entries[i].shape &&
                           again[i].crc == entries[i].crc && again[i].file == entries[i].file);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = sessionlib_fuzz::as_text(data, size);
  check(text);
  // Reseal: "...end\t<count>\t<crc>\n" gets the CRC of everything before its line.
  const auto end = text.rfind("\nend\t");
  if (end != std::string_view::npos) {
    const std::string_view body = text.substr(0, end + 1), line = text.substr(end + 1);
    const auto tab = line.find('\t', 4);
    if (tab != std::string_view::npos) {
      std::string sealed(body);
      sealed += line.substr(0, tab + 1);
      sealed += sl::train::detail::hex32(sl::train::crc32(body.data(), body.size()));
      sealed += '\n';
      check(sealed);
    }
  }
  return 0;
}
