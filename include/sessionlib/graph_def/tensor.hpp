// A TensorProto's values as an any_array and back: TF's decoding rules
// (tensor_content, or the typed field with its last value repeated to fill
// the shape) for the element types sessionlib carries.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/any_array.hpp"
#include "model.hpp"

namespace sessionlib {

namespace detail {

/// The typed field of `t` holding values of dtype T (TF's choice of field).
template <class T>
const auto& tensor_values(const TensorProto& t) {
  if constexpr (std::is_same_v<T, float>) return t.float_val;
  else if constexpr (std::is_same_v<T, double>) return t.double_val;
  else if constexpr (std::is_same_v<T, std::int64_t>) return t.int64_val;
  else if constexpr (std::is_same_v<T, bool>) return t.bool_val;
  else return t.int_val;  // int32 and uint8 (and TF's int16, int8)
}

}  // namespace detail

/// The values of `t` as an owned any_array. `sl::invalid_argument` (TF's code
/// for a tensor proto it cannot parse) for a partial shape, a tensor_content of
/// the wrong size, or more than 8 dimensions; `sl::unimplemented` for a dtype
/// sessionlib does not carry (DT_HALF, DT_INT8, ...). Strings come from string_val.
inline any_array to_any_array(const TensorProto& t) {
  const auto type = to_dtype(t.dtype);
  if (!type || is_ref_type(t.dtype))
    throw unimplemented("Cannot decode a TensorProto of type " + std::to_string(static_cast<int>(t.dtype)) +
                        ": sessionlib carries float, double, int32, int64, uint8, bool and string");
  if (t.tensor_shape.unknown_rank) throw invalid_argument("Cannot decode a TensorProto of unknown rank");
  if (t.tensor_shape.dim.size() > dims::max_rank)
    throw invalid_argument("Cannot decode a TensorProto of rank " + std::to_string(t.tensor_shape.dim.size()) +
                           ": sessionlib's arrays have at most " + std::to_string(dims::max_rank) + " dimensions");
  dims shape;
  for (const auto& d : t.tensor_shape.dim) {
    if (d.size < 0) throw invalid_argument("Cannot decode a TensorProto with an unknown dimension");
    shape.push_back(static_cast<std::size_t>(d.size));
  }
  std::size_t bytes = 0;
  if (!detail::shape_bytes(shape, dtype_size(*type), bytes))
    throw invalid_argument("Cannot decode a TensorProto of shape " + to_string(shape) + ": its size overflows");
  any_array out(*type, shape);
  const std::size_t n = shape.elements();
  if (*type == dtype::string) {
    const auto& values = t.string_val;
    auto* data = out.data<std::string>();
    for (std::size_t i = 0; i < n; ++i)  // as the numeric fields: the last value fills the rest
      data[i] = values.empty() ? std::string() : values[i < values.size() ? i : values.size() - 1];
    return out;
  }
  if (!t.tensor_content.empty()) {
    if (t.tensor_content.size() != bytes)
      throw invalid_argument("TensorProto of shape " + to_string(shape) + " and type " +
                             std::string(dtype_name(*type)) + " has " + std::to_string(t.tensor_content.size()) +
                             " bytes of tensor_content, not " + std::to_string(bytes));
    std::memcpy(out.raw(), t.tensor_content.data(), bytes);  // TF's bytes are little-endian, as ours
    return out;
  }
  visit_dtype(*type, [&]<class T>() {
    const auto& values = detail::tensor_values<T>(t);
    T* data = out.data<T>();
    const std::size_t given = values.size();
    for (std::size_t i = 0; i < n; ++i)  // TF: the last value fills the rest; none means zeros
      data[i] = given == 0 ? T{} : static_cast<T>(values[i < given ? i : given - 1]);
  });
  return out;
}

/// A TensorProto holding `a`'s dtype, shape and values (as tensor_content).
inline TensorProto to_tensor_proto(const any_array& a) {
  TensorProto t;
  t.dtype = to_data_type(a.dtype());
  for (std::size_t d : a.shape()) t.tensor_shape.dim.push_back({static_cast<std::int64_t>(d), {}});
  if (a.dtype() == dtype::string)
    t.string_val.assign(a.data<std::string>(), a.data<std::string>() + a.size());
  else if (a.nbytes())
    t.tensor_content.assign(static_cast<const char*>(a.raw()), a.nbytes());
  return t;
}

}  // namespace sessionlib
