// any_array: the runtime's type-erased value (dtype + run-time shape + buffer),
// and what a fetch by name returns. A buffer is either owned (shared, 64-byte
// aligned, reusable across runs) or borrowed from memory the caller keeps alive.
#pragma once

#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "../core/dtype.hpp"
#include "../core/error.hpp"
#include "../core/shape.hpp"
#include "../core/xtensor.hpp"

namespace sessionlib {

/// A dense row-major array of run-time dtype and shape.
class any_array {
 public:
  static constexpr std::size_t alignment = 64;

  any_array() = default;
  /// A fresh owned array, uninitialised.
  any_array(sessionlib::dtype t, const dims& s) { allocate(t, s); }

  /// A view of `data` that the caller keeps alive; never written through.
  static any_array borrow(sessionlib::dtype t, const dims& s, const void* data) {
    any_array a;
    a.type_ = t;
    a.shape_ = s;
    a.data_ = const_cast<void*>(data);
    return a;
  }

  /// Copies an xtensor expression's values into a fresh owned array.
  template <class E>
  static any_array from_expression(const xt::xexpression<E>& expr) {
    const auto& e = expr.derived_cast();
    using T = typename E::value_type;
    auto ev = xt::eval(e);
    any_array a(dtype_of<T>, dims(ev.shape().begin(), ev.shape().end()));
    std::copy(ev.begin(), ev.end(), a.data<T>());  // eval'd row-major
    return a;
  }

  sessionlib::dtype dtype() const noexcept { return type_; }
  const dims& shape() const noexcept { return shape_; }
  std::size_t rank() const noexcept { return shape_.size(); }
  std::size_t size() const noexcept { return shape_.elements(); }
  std::size_t nbytes() const noexcept { return size() * dtype_size(type_); }
  bool empty_handle() const noexcept { return data_ == nullptr && !buf_; }
  /// True when this array owns its buffer and nobody else refers to it.
  bool unique() const noexcept { return buf_ && buf_.use_count() == 1; }
  bool borrowed() const noexcept { return !buf_ && data_ != nullptr; }
  std::size_t capacity() const noexcept { return cap_; }

  template <class T> T* data() noexcept { return static_cast<T*>(data_); }
  template <class T> const T* data() const noexcept { return static_cast<const T*>(data_); }
  void* raw() noexcept { return data_; }
  const void* raw() const noexcept { return data_; }

  /// Makes this an owned, unshared array of dtype `t` and shape `s`, reusing the
  /// buffer when it is ours alone and large enough: the executor's hot path.
  void ensure(sessionlib::dtype t, const dims& s) {
    const std::size_t bytes = s.elements() * dtype_size(t);
    if (unique() && cap_ >= bytes) {
      type_ = t;
      shape_ = s;
      return;
    }
    allocate(t, s);
  }

  /// The same buffer (shared, not copied) seen with shape `s`; `s` must have
  /// as many elements. How reshape, expand_dims and squeeze avoid a copy.
  any_array reshaped(const dims& s) const {
    any_array a = *this;
    a.shape_ = s;
    return a;
  }

  /// Drops the buffer (a borrowed one is forgotten, an owned one released).
  void reset() noexcept { *this = any_array(); }

  /// A deep copy that owns its buffer.
  any_array clone() const {
    any_array a(type_, shape_);
    if (nbytes()) std::memcpy(a.data_, data_, nbytes());
    return a;
  }

  /// The values as an `xt::xtensor<T, N>`; `sl::invalid_argument` if the dtype or rank differ.
  template <class T, std::size_t N>
  xt::xtensor<T, N> as() const {
    if (dtype_of<T> != type_)
      throw invalid_argument("any_array::as: the array's dtype is " + std::string(dtype_name(type_)) +
                             ", not " + std::string(dtype_name(dtype_of<T>)));
    if (N != shape_.size())
      throw invalid_argument("any_array::as: the array's rank is " + std::to_string(shape_.size()) +
                             ", not " + std::to_string(N));
    return to_xtensor<T, N>();
  }

  /// Unchecked conversion used by typed fetches (the plan already checked the type).
  template <class T, std::size_t N>
  xt::xtensor<T, N> to_xtensor() const {
    std::array<std::size_t, N> sh{};
    for (std::size_t i = 0; i < N; ++i) sh[i] = shape_[i];
    xt::xtensor<T, N> out(sh);
    if (size()) std::memcpy(out.data(), data_, size() * sizeof(T));
    return out;
  }

  /// The single element of a rank-0 (or one-element) array.
  template <class T>
  T scalar() const { return *data<T>(); }

 private:
  void allocate(sessionlib::dtype t, const dims& s) {
    type_ = t;
    shape_ = s;
    cap_ = std::max<std::size_t>(s.elements() * dtype_size(t), 1);
    const std::size_t rounded = (cap_ + alignment - 1) / alignment * alignment;
    void* p = ::operator new(rounded, std::align_val_t(alignment));
    buf_ = std::shared_ptr<void>(p, [](void* q) { ::operator delete(q, std::align_val_t(alignment)); });
    data_ = p;
  }

  sessionlib::dtype type_ = sessionlib::dtype::float32;
  dims shape_;
  std::shared_ptr<void> buf_;
  std::size_t cap_ = 0;
  void* data_ = nullptr;
};

}  // namespace sessionlib
