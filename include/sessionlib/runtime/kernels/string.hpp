// Kernels of the string ops (ops/string.hpp): DecodeRaw, StringToNumber and
// ReadFile, with TF's messages (tensorflow/core/kernels/decode_raw_op.cc,
// string_to_number_op.cc, whole_file_read_ops.cc).
//
// Node attributes (graph/op_attrs.hpp):
//   "DecodeRaw"       decode_raw_kernel<T>        decode_raw_attrs
//   "StringToNumber"  string_to_number_kernel<T>  none
//   "ReadFile"        read_file_kernel            none
//   "DecodeCSV"       decode_csv_kernel           decode_csv_attrs; inputs {records, defaults...}
#pragma once

#include <cerrno>
#include <vector>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "../../config.hpp"
#include "../../graph/io_attrs.hpp"
#include "../kernel.hpp"

namespace sessionlib {

namespace detail {
#if SESSIONLIB_DEFINITIONS
/// Throws TF's error for a failed file operation on `fname` (its IOError:
/// "<fname>; <strerror>", the code from errno as TF maps it).
[[noreturn]] SESSIONLIB_INLINE void throw_file_error(const std::string& fname, int err, const std::string& node) {
  const std::string message = fname + "; " + std::strerror(err);
  switch (err) {
    case ENOENT: case ENAMETOOLONG: case ENODEV: case ENXIO: case ESRCH: throw not_found(message, node);
    case EACCES: case EPERM: case EROFS: throw permission_denied(message, node);
    case EISDIR: case ENOTDIR: case EBUSY: case ENOTEMPTY: throw failed_precondition(message, node);
    case ENOSPC: case EMFILE: case ENFILE: throw resource_exhausted(message, node);
    case EFBIG: case EOVERFLOW: case ERANGE: throw out_of_range(message, node);
    default: throw unknown(message, node);
  }
}

/// The whole content of file `fname` (TF's ReadFileToString); errors as throw_file_error.
SESSIONLIB_INLINE std::string read_whole_file(const std::string& fname, const std::string& node) {
  std::FILE* f = std::fopen(fname.c_str(), "rb");
  if (!f) throw_file_error(fname, errno, node);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, got);
    if (got < sizeof buf) break;
  }
  const int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err) throw_file_error(fname, err, node);
  return out;
}
#else
[[noreturn]] SESSIONLIB_DECLARE void throw_file_error(const std::string& fname, int err, const std::string& node);
SESSIONLIB_DECLARE std::string read_whole_file(const std::string& fname, const std::string& node);
#endif

/// Parses `s` as a T the way TF's SafeStringToNumeric does: surrounding
/// whitespace allowed, the whole rest must be the number; integers in decimal
/// and in range; floating point as strtod (hex, inf, nan; overflow gives inf).
template <class T>
bool parse_number(std::string_view s, T& out) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  if (s.empty()) return false;
  if constexpr (std::is_floating_point_v<T>) {
    const std::string z(s);  // strtod needs a terminated string
    char* end = nullptr;
    if constexpr (std::is_same_v<T, float>) out = std::strtof(z.c_str(), &end);
    else out = std::strtod(z.c_str(), &end);
    return end == z.c_str() + z.size();
  } else {
    if (s.front() == '+') {
      s.remove_prefix(1);
      if (s.empty() || s.front() == '-') return false;
    }
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
}
}  // namespace detail

namespace kernels {

/// DecodeRaw: each string's bytes as T values, one more dimension of
/// size/sizeof(T); every string must have the same size.
template <class T>
void decode_raw_kernel(kernel_context& ctx) {
  const any_array& in = ctx.input(0);
  const std::string* s = in.data<std::string>();
  const std::size_t n = in.size();
  const std::size_t len = n ? s[0].size() : 0;
  for (std::size_t i = 1; i < n; ++i)
    if (s[i].size() != len)
      ctx.fail("DecodeRaw requires input strings to all be the same size, but element " + std::to_string(i) +
               " has size " + std::to_string(len) + " != " + std::to_string(s[i].size()));
  dims d = in.shape();
  if (len % sizeof(T) != 0)
    ctx.fail("Input to DecodeRaw has length " + std::to_string(len) + " that is not a multiple of " +
             std::to_string(sizeof(T)) + ", the size of " + std::string(dtype_message_name(dtype_of<T>)));
  const std::size_t k = len / sizeof(T);
  d.push_back(k);
  ctx.out.ensure(dtype_of<T>, d);
  T* out = ctx.out.data<T>();
  const bool swap = !ctx.attrs<decode_raw_attrs>().little_endian && sizeof(T) > 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(s[i].data());
    if constexpr (std::is_same_v<T, bool>) {
      for (std::size_t j = 0; j < k; ++j) out[i * k + j] = bytes[j] != 0;  // a C++ bool holds 0 or 1 only
    } else {
      for (std::size_t j = 0; j < k; ++j) {
        unsigned char b[sizeof(T)];
        std::memcpy(b, bytes + j * sizeof(T), sizeof(T));
        if (swap)
          for (std::size_t x = 0; x < sizeof(T) / 2; ++x) std::swap(b[x], b[sizeof(T) - 1 - x]);
        std::memcpy(out + i * k + j, b, sizeof(T));
      }
    }
  }
}

/// StringToNumber: each string parsed as a T (float, double, int32, int64).
template <class T>
void string_to_number_kernel(kernel_context& ctx) {
  const any_array& in = ctx.input(0);
  ctx.out.ensure(dtype_of<T>, in.shape());
  const std::string* s = in.data<std::string>();
  T* out = ctx.out.data<T>();
  for (std::size_t i = 0; i < in.size(); ++i)
    if (!sessionlib::detail::parse_number(s[i], out[i])) ctx.fail("StringToNumberOp could not correctly convert string: " + s[i]);
}

#if SESSIONLIB_DEFINITIONS
namespace detail {
/// The fields of one CSV record, as TF's DecodeCSVOp::ExtractFields splits
/// them (quotes doubled inside quoted fields, CR/LF between fields skipped).
SESSIONLIB_INLINE void csv_fields(const kernel_context& ctx, std::string_view in, char delim, bool quotes,
                                  std::vector<std::string>& out) {
  out.clear();
  if (in.empty()) return;
  std::size_t i = 0;
  while (i < in.size()) {
    if (in[i] == '\n' || in[i] == '\r') {
      ++i;
      continue;
    }
    std::string field;
    if (quotes && in[i] == '"') {
      ++i;
      while (i + 1 < in.size() && (in[i] != '"' || in[i + 1] != delim)) {
        if (in[i] != '"') {
          field += in[i++];
        } else {
          if (in[i + 1] != '"') ctx.fail("Quote inside a string has to be escaped by another quote");
          field += '"';
          i += 2;
        }
      }
      if (!(i < in.size() && in[i] == '"' && (i == in.size() - 1 || in[i + 1] == delim)))
        ctx.fail("Quoted field has to end with quote followed by delim or end");
      i += 2;
    } else {
      while (i < in.size() && in[i] != delim) {
        if ((quotes && in[i] == '"') || in[i] == '\n' || in[i] == '\r')
          ctx.fail("Unquoted fields cannot have quotes/CRLFs inside");
        field += in[i++];
      }
      ++i;
    }
    out.push_back(std::move(field));
  }
  if (in.back() == delim) out.emplace_back();  // the last field is empty
}

template <class T>
void csv_field(const kernel_context& ctx, const std::string& field, const any_array& def, std::size_t f,
               std::size_t record, bool missing, T& out) {
  if (missing) {
    if (def.size() != 1)
      ctx.fail("Field " + std::to_string(f) + " is required but missing in record " + std::to_string(record) + "!");
    out = def.data<T>()[0];
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = field;
  } else if (!sessionlib::detail::parse_number(field, out)) {
    ctx.fail("Field " + std::to_string(f) + " in record " + std::to_string(record) + " is not a valid " +
             std::string(dtype_message_name(dtype_of<T>)) + ": " + field);
  }
}
}  // namespace detail

/// DecodeCSV: {records, default_0, ..., default_n-1} -> n outputs of the
/// records' shape, output f of default f's dtype (float, double, int32, int64,
/// string). An empty or na_value field takes its default (a default of no
/// element: the field is required). TF's messages.
SESSIONLIB_INLINE void decode_csv_kernel(kernel_context& ctx) {
  const auto& a = ctx.attrs<decode_csv_attrs>();
  const any_array& records = ctx.input(0);
  const std::size_t n = ctx.nin - 1;
  for (std::size_t f = 0; f < n; ++f) ctx.output(f).ensure(ctx.input(1 + f).dtype(), records.shape());
  std::vector<std::string> fields;
  const std::string* r = records.data<std::string>();
  for (std::size_t i = 0; i < records.size(); ++i) {
    detail::csv_fields(ctx, r[i], a.field_delim.empty() ? ',' : a.field_delim[0], a.use_quote_delim, fields);
    if (fields.size() != n)
      ctx.fail("Expect " + std::to_string(n) + " fields but have " + std::to_string(fields.size()) + " in record " +
               std::to_string(i));
    for (std::size_t f = 0; f < n; ++f) {
      const any_array& def = ctx.input(1 + f);
      const bool missing = fields[f].empty() || fields[f] == a.na_value;
      auto one = [&]<class T>() { detail::csv_field<T>(ctx, fields[f], def, f, i, missing, ctx.output(f).data<T>()[i]); };
      switch (def.dtype()) {
        case dtype::float32: one.template operator()<float>(); break;
        case dtype::float64: one.template operator()<double>(); break;
        case dtype::int32: one.template operator()<std::int32_t>(); break;
        case dtype::int64: one.template operator()<std::int64_t>(); break;
        case dtype::string: one.template operator()<std::string>(); break;
        default: ctx.fail("csv: data type " + std::string(dtype_name(def.dtype())) + " not supported in field " + std::to_string(f));
      }
    }
  }
}

/// ReadFile: the whole content of the file named by the scalar input.
SESSIONLIB_INLINE void read_file_kernel(kernel_context& ctx) {
  std::string content = sessionlib::detail::read_whole_file(ctx.input(0).scalar<std::string>(), ctx.n.name);
  ctx.out.ensure(dtype::string, dims{});
  *ctx.out.data<std::string>() = std::move(content);
}
#else
SESSIONLIB_DECLARE void decode_csv_kernel(kernel_context& ctx);
SESSIONLIB_DECLARE void read_file_kernel(kernel_context& ctx);
#endif

}  // namespace kernels
}  // namespace sessionlib
