// Scalar functors of the elementwise math, comparison, logic and cast ops: what
// `unary_kernel<T, R, Fn>` and `binary_kernel<T, R, Fn>` apply per element, so a
// gradient builder instantiates e.g. `kernels::unary_kernel<T, T, fn::exp>` at run
// time. Integer arithmetic wraps (computed in the unsigned type) instead of
// overflowing, as TF's does on CPU; integer division by zero is caught per node.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "elementwise.hpp"

namespace sessionlib::fn {

namespace detail {
template <class T> T wrap_mul(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return a * b;
  }
}
template <class T> T wrap_sub(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <class T> T wrap_add(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
}  // namespace detail

// The arithmetic operators (ops/arithmetic.hpp): a + b, a - b, a * b, a / b, -a.
struct add { template <class T> static T apply(T a, T b) noexcept { return static_cast<T>(a + b); } };
struct sub { template <class T> static T apply(T a, T b) noexcept { return static_cast<T>(a - b); } };
struct mul { template <class T> static T apply(T a, T b) noexcept { return static_cast<T>(a * b); } };
struct div { template <class T> static T apply(T a, T b) noexcept { return static_cast<T>(a / b); } };
struct neg { template <class T> static T apply(T a) noexcept { return static_cast<T>(-a); } };

// Unary math. Float-only ones are rejected for other dtypes by the ops.
struct abs {
  template <class T> static T apply(T a) noexcept {
    if constexpr (std::is_unsigned_v<T>) return a;
    else if constexpr (std::is_integral_v<T>) return a < 0 ? detail::wrap_sub(T{0}, a) : a;
    else return std::abs(a);
  }
};
struct exp { template <class T> static T apply(T a) noexcept { return std::exp(a); } };
struct log { template <class T> static T apply(T a) noexcept { return std::log(a); } };
struct log1p { template <class T> static T apply(T a) noexcept { return std::log1p(a); } };
struct sqrt { template <class T> static T apply(T a) noexcept { return std::sqrt(a); } };
struct rsqrt { template <class T> static T apply(T a) noexcept { return T{1} / std::sqrt(a); } };
struct square { template <class T> static T apply(T a) noexcept { return detail::wrap_mul(a, a); } };
struct tanh { template <class T> static T apply(T a) noexcept { return std::tanh(a); } };
/// 1 / (1 + e^-x), written so that neither branch overflows.
struct sigmoid {
  template <class T> static T apply(T a) noexcept {
    if (a >= T{0}) return T{1} / (T{1} + std::exp(-a));
    const T e = std::exp(a);
    return e / (T{1} + e);
  }
};
struct relu { template <class T> static T apply(T a) noexcept { return a > T{0} ? a : T{0}; } };
struct sin { template <class T> static T apply(T a) noexcept { return std::sin(a); } };
struct cos { template <class T> static T apply(T a) noexcept { return std::cos(a); } };
struct floor { template <class T> static T apply(T a) noexcept { return std::floor(a); } };
struct ceil { template <class T> static T apply(T a) noexcept { return std::ceil(a); } };
/// TF rounds half to even (banker's rounding): nearbyint in the default mode.
struct round {
  template <class T> static T apply(T a) noexcept {
    if constexpr (std::is_integral_v<T>) return a;
    else return std::nearbyint(a);
  }
};
struct sign {
  template <class T> static T apply(T a) noexcept {
    if constexpr (std::is_unsigned_v<T>) {
      return static_cast<T>(a != 0);
    } else {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a)) return a;
      }
      return static_cast<T>((T{0} < a) - (a < T{0}));
    }
  }
};
struct reciprocal { template <class T> static T apply(T a) noexcept { return T{1} / a; } };

// Binary math.
/// x^y; integer powers by squaring (a negative exponent gives 0 unless |x| == 1).
struct pow {
  template <class T> static T apply(T a, T b) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
      return std::pow(a, b);
    } else {
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return a == 1 ? T{1} : a == -1 ? (b % 2 ? T{-1} : T{1}) : T{0};
      }
      T r = 1;
      for (; b; b = static_cast<T>(b / 2), a = detail::wrap_mul(a, a))
        if (b % 2) r = detail::wrap_mul(r, a);
      return r;
    }
  }
};
struct maximum { template <class T> static T apply(T a, T b) noexcept { return a < b ? b : a; } };
struct minimum { template <class T> static T apply(T a, T b) noexcept { return b < a ? b : a; } };
struct squared_difference {
  template <class T> static T apply(T a, T b) noexcept {
    const T d = detail::wrap_sub(a, b);
    return detail::wrap_mul(d, d);
  }
};
/// Python's //: rounds toward negative infinity. Integer b != 0 (checked by the kernel).
struct floordiv {
  template <class T> static T apply(T a, T b) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
      return std::floor(a / b);
    } else {
      if constexpr (std::is_unsigned_v<T>) {
        return static_cast<T>(a / b);
      } else {
        if (b == -1) return detail::wrap_sub(T{0}, a);  // INT_MIN / -1 would trap
        const T q = static_cast<T>(a / b);
        return (a % b != 0 && ((a < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
      }
    }
  }
};
/// Python's %: the result takes the sign of b. Integer b != 0 (checked by the kernel).
struct floormod {
  template <class T> static T apply(T a, T b) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
      const T r = std::fmod(a, b);
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    } else {
      if constexpr (std::is_unsigned_v<T>) {
        return static_cast<T>(a % b);
      } else {
        if (b == -1) return T{0};
        const T r = static_cast<T>(a % b);
        return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
      }
    }
  }
};

// Comparisons (T, T -> bool) and logic (bool only).
struct equal { template <class T> static bool apply(T a, T b) noexcept { return a == b; } };
struct not_equal { template <class T> static bool apply(T a, T b) noexcept { return a != b; } };
struct less { template <class T> static bool apply(T a, T b) noexcept { return a < b; } };
struct less_equal { template <class T> static bool apply(T a, T b) noexcept { return a <= b; } };
struct greater { template <class T> static bool apply(T a, T b) noexcept { return a > b; } };
struct greater_equal { template <class T> static bool apply(T a, T b) noexcept { return a >= b; } };
struct logical_and { static bool apply(bool a, bool b) noexcept { return a && b; } };
struct logical_or { static bool apply(bool a, bool b) noexcept { return a || b; } };
struct logical_xor { static bool apply(bool a, bool b) noexcept { return a != b; } };
struct logical_not { static bool apply(bool a) noexcept { return !a; } };

/// Conversion to U. To bool: nonzero is true. Float to integer truncates toward
/// zero, saturates at U's limits and maps NaN to 0 (C++ leaves these undefined).
template <class U>
struct cast_to {
  template <class T> static U apply(T a) noexcept {
    if constexpr (std::is_same_v<U, bool>) {
      return a != T{0};
    } else if constexpr (std::is_floating_point_v<T> && std::is_integral_v<U>) {
      if (std::isnan(a)) return U{0};
      if (a <= static_cast<T>(std::numeric_limits<U>::lowest())) return std::numeric_limits<U>::lowest();
      if (a >= static_cast<T>(std::numeric_limits<U>::max())) return std::numeric_limits<U>::max();
      return static_cast<U>(a);
    } else {
      return static_cast<U>(a);
    }
  }
};

}  // namespace sessionlib::fn

namespace sessionlib::kernels {

/// Binary kernel for FloorDiv/FloorMod: integer division by zero fails as TF's
/// does ("Integer division by zero") instead of trapping.
template <class T, class Op>
void checked_division_kernel(kernel_context& ctx) {
  if constexpr (std::is_integral_v<T>) {
    const any_array& b = ctx.input(1);
    const T* pb = b.data<T>();
    for (std::size_t i = 0, n = b.size(); i < n; ++i)
      if (pb[i] == T{0}) ctx.fail("Integer division by zero");
  }
  binary_kernel<T, T, Op>(ctx);
}

}  // namespace sessionlib::kernels
