// Shared helpers of the linalg and array op tests: deterministic values of any
// dtype that stay exact in every element type, and a flat view of an xtensor.
#pragma once

#include <cstdint>
#include <vector>

#include <doctest/doctest.h>
#include <sessionlib/core/xtensor.hpp>

namespace testutil {

/// Small values (exact in every dtype, no overflow in short dot products).
template <class T>
T value_at(std::size_t i, std::size_t salt = 0) {
  const auto v = static_cast<int>((i * 7 + salt * 3 + 1) % 5);
  if constexpr (std::is_same_v<T, bool>) return v % 2 == 1;
  else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(v);
  else return static_cast<T>(v - 2);
}

/// An array of shape `sh` filled with value_at(i, salt).
template <class T, std::size_t N>
xt::xtensor<T, N> make(const std::array<std::size_t, N>& sh, std::size_t salt = 0) {
  xt::xtensor<T, N> a(sh);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = value_at<T>(i, salt);
  return a;
}

template <class T, class E>
std::vector<T> flat(const E& e) {
  return std::vector<T>(e.data(), e.data() + e.size());
}

template <class E>
std::vector<std::size_t> shape_vec(const E& e) {
  return std::vector<std::size_t>(e.shape().begin(), e.shape().end());
}

}  // namespace testutil
