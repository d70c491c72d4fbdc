// Reference reductions for the reduce tests: a plain loop over every element of
// a row-major array, any axes, keepdims or not.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <sessionlib/core/any_array.hpp>

#include "test_math_util.hpp"

namespace reducetest {

enum class kind { sum, mean, prod, max, min, any, all };

/// The reduced shape of `in` over `axes` (possibly negative; empty: all).
inline std::vector<std::size_t> out_shape(const std::vector<std::size_t>& in, std::vector<int> axes, bool keep) {
  const int r = static_cast<int>(in.size());
  if (axes.empty())
    for (int i = 0; i < r; ++i) axes.push_back(i);
  std::vector<bool> red(in.size(), false);
  for (int a : axes) red[static_cast<std::size_t>(a < 0 ? a + r : a)] = true;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!red[i]) out.push_back(in[i]);
    else if (keep) out.push_back(1);
  }
  return out;
}

/// The reference: accumulates in double for floats, wraps in unsigned 64 bits
/// for integers (so the result equals wrapping in T), as TF's kernels do.
template <class T>
std::vector<T> reduce(const std::vector<T>& data, const std::vector<std::size_t>& in, std::vector<int> axes, kind k) {
  const int r = static_cast<int>(in.size());
  if (axes.empty())
    for (int i = 0; i < r; ++i) axes.push_back(i);
  std::vector<bool> red(in.size(), false);
  for (int a : axes) red[static_cast<std::size_t>(a < 0 ? a + r : a)] = true;
  std::size_t n_out = 1, count = 1;
  for (std::size_t i = 0; i < in.size(); ++i) (red[i] ? count : n_out) *= in[i];
  using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, std::uint64_t>;
  std::vector<acc_t> acc(n_out);
  std::vector<T> ext(n_out);
  for (std::size_t o = 0; o < n_out; ++o) {
    acc[o] = k == kind::prod ? acc_t(1) : acc_t(0);
    if (k == kind::max) ext[o] = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
    if (k == kind::min) ext[o] = std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
    if (k == kind::all) ext[o] = T(1);
    if (k == kind::any) ext[o] = T(0);
  }
  std::vector<std::size_t> idx(in.size(), 0);
  for (std::size_t e = 0; e < data.size(); ++e) {
    std::size_t o = 0;
    for (std::size_t i = 0; i < in.size(); ++i)
      if (!red[i]) o = o * in[i] + idx[i];
    const T v = data[e];
    switch (k) {
      case kind::sum: case kind::mean: acc[o] += static_cast<acc_t>(v); break;
      case kind::prod: acc[o] *= static_cast<acc_t>(v); break;
      case kind::max: if (v > ext[o]) ext[o] = v; break;
      case kind::min: if (v < ext[o]) ext[o] = v; break;
      case kind::any: ext[o] = ext[o] || v; break;
      case kind::all: ext[o] = ext[o] && v; break;
    }
    for (std::size_t i = in.size(); i-- > 0;) {
      if (++idx[i] < in[i]) break;
      idx[i] = 0;
    }
  }
  std::vector<T> out(n_out);
  for (std::size_t o = 0; o < n_out; ++o) {
    if (k == kind::sum || k == kind::prod) out[o] = static_cast<T>(acc[o]);
    else if (k == kind::mean) {
      if constexpr (std::is_floating_point_v<T>) out[o] = static_cast<T>(acc[o] / static_cast<double>(count));
      else out[o] = count ? static_cast<T>(static_cast<std::int64_t>(static_cast<T>(acc[o])) / static_cast<std::int64_t>(count)) : T(0);
    } else out[o] = ext[o];
  }
  return out;
}

/// Checks a fetched any_array against the reference's shape and values.
template <class T>
void check(const sessionlib::any_array& got, const std::vector<std::size_t>& shape, const std::vector<T>& want) {
  REQUIRE(got.dtype() == sessionlib::dtype_of<T>);
  REQUIRE(std::vector<std::size_t>(got.shape().begin(), got.shape().end()) == shape);
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!mathtest::close(got.data<T>()[i], want[i])) {
      INFO("element ", i, ": got ", +got.data<T>()[i], ", want ", +want[i]);
      CHECK(mathtest::close(got.data<T>()[i], want[i]));
      return;
    }
  }
}

}  // namespace reducetest
