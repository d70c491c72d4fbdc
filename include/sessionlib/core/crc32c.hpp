// CRC-32C (Castagnoli), as TF's TFRecord files carry it: the checksum of
// RFC 3720 (iSCSI), reflected polynomial 0x82F63B78, and TF's "masked" form
// (tensorflow/tsl/lib/hash/crc32c.h), which a record stores so that the CRC of
// data that itself holds CRCs is not trivially zero.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sessionlib::crc32c {

namespace detail {
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
inline constexpr std::array<std::uint32_t, 256> table = make_table();
}  // namespace detail

/// The CRC-32C of `data` continued from `init_crc` (the CRC of what came before; 0 to start).
constexpr std::uint32_t extend(std::uint32_t init_crc, std::string_view data) noexcept {
  std::uint32_t c = ~init_crc;
  for (unsigned char b : data) c = detail::table[(c ^ b) & 0xFFu] ^ (c >> 8);
  return ~c;
}
/// The CRC-32C of `data`: value("123456789") == 0xE3069283.
constexpr std::uint32_t value(std::string_view data) noexcept { return extend(0, data); }

inline constexpr std::uint32_t mask_delta = 0xa282ead8u;
/// TF's masked CRC: rotated right by 15 bits, plus a constant.
constexpr std::uint32_t mask(std::uint32_t crc) noexcept { return ((crc >> 15) | (crc << 17)) + mask_delta; }
/// The CRC a masked CRC stands for.
constexpr std::uint32_t unmask(std::uint32_t masked) noexcept {
  const std::uint32_t rot = masked - mask_delta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace sessionlib::crc32c
