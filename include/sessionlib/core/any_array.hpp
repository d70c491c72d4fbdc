// any_array: the type-erased value (dtype + run-time shape + buffer) that nodes
// hold (a constant's value), kernels read and write, and a fetch by name
// returns. In core because the graph holds it too. A buffer is either owned (shared, aligned,
// reusable across runs) or borrowed from memory the caller keeps alive.
//
// Large owned buffers are allocated as xtensor's own storage (xt::uvector with
// xtensor's default allocator), so that a typed fetch can hand the buffer to
// its result instead of copying it (take_xtensor): for a 40 MB result the copy
// and its page faults cost as much as the computation.
//
// A `string` array is the one dtype whose elements are not trivially copyable:
// its owned buffer holds constructed std::strings (destroyed with it), is
// reused only for strings, never handed over, and is copied element by element.
#pragma once

#include <cstring>
#include <memory>
#include <new>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "../config.hpp"
#include "dtype.hpp"
#include "checked.hpp"
#include "error.hpp"
#include "shape.hpp"
#include "xtensor.hpp"

namespace sessionlib {

/// A dense row-major array of run-time dtype and shape.
class any_array {
 public:
  static constexpr std::size_t alignment = 64;
  /// Owned buffers of at least this many bytes can be handed over to a result.
  static constexpr std::size_t handover_min_bytes = std::size_t{1} << 16;

  any_array() = default;
  /// A fresh owned array, uninitialised.
  any_array(sessionlib::dtype t, const dims& s) { allocate(t, s); }

  // A copy shares the buffer but is never its owner(); a move keeps ownership.
  any_array(const any_array& o)
      : type_(o.type_), alloc_type_(o.alloc_type_), handover_(o.handover_), lent_(o.lent_), strings_(o.strings_),
        shape_(o.shape_),
        buf_(o.buf_), cap_(o.cap_), data_(o.data_) {}
  any_array& operator=(const any_array& o) {
    if (this != &o) {
      *this = any_array(o);
    }
    return *this;
  }
  any_array(any_array&&) noexcept = default;
  any_array& operator=(any_array&&) noexcept = default;
  ~any_array() = default;

  /// A view of `data` that the caller keeps alive; never written through.
  static any_array borrow(sessionlib::dtype t, const dims& s, const void* data) {
    any_array a;
    a.type_ = t;
    a.shape_ = s;
    a.data_ = const_cast<void*>(data);
    return a;
  }

  /// Makes this a view of `data` with dtype `t` and the `rank` extents at
  /// `shape`, in place: the hot path of a callable placing its arguments.
  void assign_borrowed(sessionlib::dtype t, const std::size_t* shape, std::size_t rank, const void* data) {
    reset();
    type_ = t;
    shape_.resize(rank);
    for (std::size_t i = 0; i < rank; ++i) shape_[i] = shape[i];
    data_ = const_cast<void*>(data);
  }

  /// Makes this a writable view of `bytes` bytes at `data`, which the caller
  /// keeps alive: a kernel's ensure() writes there when the result fits.
  /// How run_into lends the caller's result arrays to the run.
  void assign_lent(sessionlib::dtype t, void* data, std::size_t bytes) {
    reset();
    lent_ = true;
    cap_ = bytes;
    type_ = t;
    data_ = data;
  }
  /// True for a view lent by assign_lent.
  bool lent() const noexcept { return lent_; }
  /// True when this array allocated (or reused, in ensure) its buffer rather
  /// than copying another array's: a slot keeps such a buffer for the next
  /// run even while an alias of it (a reshape, an identity) is still alive.
  bool owner() const noexcept { return owner_; }

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
    std::size_t bytes = 0;
    if (!detail::shape_bytes(s, dtype_size(t), bytes)) [[unlikely]]
      throw_too_large(t, s);
    // A buffer of constructed strings serves strings only (and a lent one never).
    const bool fits_kind = t == sessionlib::dtype::string ? strings_ && !lent_ : !strings_;
    if ((unique() || lent_) && cap_ >= bytes && fits_kind) {
      type_ = t;
      shape_ = s;
      owner_ = !lent_;
      return;
    }
    allocate(t, s, bytes);
  }

  /// The same buffer (shared, not copied) seen with shape `s`; `s` must have
  /// as many elements. How reshape, expand_dims and squeeze avoid a copy.
  any_array reshaped(const dims& s) const {
    any_array a = *this;
    a.shape_ = s;
    a.lent_ = false;  // a second name for the memory, never written through
    return a;
  }

  /// Drops the buffer (a borrowed one is forgotten, an owned one released).
  void reset() noexcept {
    // Field by field: runs after every step, and a fresh any_array would zero
    // its whole shape array.
    buf_.reset();
    data_ = nullptr;
    cap_ = 0;
    handover_ = false;
    lent_ = false;
    owner_ = false;
    strings_ = false;
    type_ = sessionlib::dtype::float32;
    shape_.resize(0);
  }

  /// A deep copy that owns its buffer.
  any_array clone() const {
    any_array a(type_, shape_);
    copy_elements(type_, a.data_, data_, size());
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
    if constexpr (std::is_same_v<T, std::string>) {
      std::copy(data<T>(), data<T>() + size(), out.data());
    } else {
      advise_huge_pages(out.data(), size() * sizeof(T));  // before the copy first touches it
      if (size()) std::memcpy(out.data(), data_, size() * sizeof(T));
    }
    return out;
  }

  /// As to_xtensor, but when the buffer is ours alone and was allocated as
  /// xtensor storage of exactly this size, the result takes it over (no copy)
  /// and this array becomes a borrowed view of the result's data.
  template <class T, std::size_t N>
  xt::xtensor<T, N> take_xtensor() {
    using storage = typename xt::xtensor<T, N>::storage_type;
    if (!(handover_ && alloc_type_ == dtype_of<T> && type_ == alloc_type_ && unique()))
      return to_xtensor<T, N>();
    auto& store = *static_cast<storage*>(buf_.get());
    if (store.size() != size()) return to_xtensor<T, N>();
    typename xt::xtensor<T, N>::inner_shape_type sh;
    for (std::size_t i = 0; i < N; ++i) sh[i] = shape_[i];
    typename xt::xtensor<T, N>::inner_strides_type st;
    xt::compute_strides(sh, xt::layout_type::row_major, st);
    xt::xtensor<T, N> out(std::move(store), std::move(sh), std::move(st));
    // A structure may fetch the same tensor twice: the next read copies from here.
    buf_.reset();
    handover_ = false;
    owner_ = false;
    cap_ = 0;
    data_ = out.data();
    return out;
  }

  /// Asks for transparent huge pages on the whole 2 MiB pages of a buffer of
  /// several MiB that a run writes once (a result handed over or lent), so
  /// its first touch faults 2 MiB at a time.
  static void advise_huge_pages([[maybe_unused]] void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
    if (bytes < 2 * huge) return;
    const auto begin = (reinterpret_cast<std::uintptr_t>(p) + huge - 1) & ~(huge - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(huge - 1);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
  }

  /// Copies `n` elements of dtype `t` from `src` to `dst` (constructed
  /// strings, for `string`; bytes otherwise). Ranges must not overlap.
  static void copy_elements(sessionlib::dtype t, void* dst, const void* src, std::size_t n) {
    if (t == sessionlib::dtype::string) {
      const auto* from = static_cast<const std::string*>(src);
      std::copy(from, from + n, static_cast<std::string*>(dst));
    } else if (n) {
      std::memcpy(dst, src, n * dtype_size(t));
    }
  }
  /// Sets `n` elements of dtype `t` at `dst` to zero (to "" for `string`, as TF pads).
  static void zero_elements(sessionlib::dtype t, void* dst, std::size_t n) {
    if (t == sessionlib::dtype::string) {
      auto* to = static_cast<std::string*>(dst);
      for (std::size_t i = 0; i < n; ++i) to[i].clear();
    } else if (n) {
      std::memset(dst, 0, n * dtype_size(t));
    }
  }

  /// The single element of a rank-0 (or one-element) array.
  template <class T>
  T scalar() const { return *data<T>(); }

 private:
  // Allocation is out of line in separate units: its visit over every dtype
  // instantiates xtensor's storage for each, which a unit need not parse.
#if SESSIONLIB_DEFINITIONS
  [[noreturn, gnu::cold, gnu::noinline]] SESSIONLIB_INLINE static void throw_too_large(sessionlib::dtype t, const dims& s) {
    throw invalid_argument("Cannot allocate a tensor of shape " + to_string(s) + " and type " +
                           std::string(dtype_name(t)) + ": its size in bytes overflows");
  }

  /// Allocation failure as TF reports it (ResourceExhausted, "OOM when allocating").
  [[noreturn, gnu::cold, gnu::noinline]] SESSIONLIB_INLINE static void throw_oom(sessionlib::dtype t, const dims& s, std::size_t bytes) {
    throw resource_exhausted("OOM when allocating tensor with shape " + to_string(s) + " and type " +
                             std::string(dtype_name(t)) + " (" + std::to_string(bytes) + " bytes)");
  }

  SESSIONLIB_INLINE void allocate(sessionlib::dtype t, const dims& s) {
    std::size_t bytes = 0;
    if (!detail::shape_bytes(s, dtype_size(t), bytes)) throw_too_large(t, s);
    allocate(t, s, bytes);
  }

  /// As allocate(t, s), `bytes` being s's byte size already checked by shape_bytes.
  SESSIONLIB_INLINE void allocate(sessionlib::dtype t, const dims& s, std::size_t bytes) {
    try {
      allocate_unchecked(t, s, bytes);
    } catch (const std::bad_alloc&) {
      reset();
      throw_oom(t, s, bytes);
    }
  }

  SESSIONLIB_INLINE void allocate_unchecked(sessionlib::dtype t, const dims& s, std::size_t bytes) {
    lent_ = false;
    owner_ = true;
    type_ = t;
    shape_ = s;
    strings_ = t == sessionlib::dtype::string;
    if (strings_) {
      // Constructed (empty) strings, destroyed with the last copy of the buffer.
      const std::size_t n = std::max<std::size_t>(s.elements(), 1);
      std::string* p = new std::string[n];
      buf_ = std::shared_ptr<void>(p, [](void* q) { delete[] static_cast<std::string*>(q); });
      data_ = p;
      cap_ = n * sizeof(std::string);
      handover_ = false;
      return;
    }
    cap_ = std::max<std::size_t>(bytes, 1);
    handover_ = cap_ >= handover_min_bytes;
    if (handover_) {
      alloc_type_ = t;
      visit_dtype(t, [&]<class T>() {
        auto store = std::make_shared<typename xt::xtensor<T, 1>::storage_type>(s.elements());
        data_ = store->data();
        buf_ = std::move(store);
      });
      advise_huge_pages(data_, cap_);
      return;
    }
    const std::size_t rounded = (cap_ + alignment - 1) / alignment * alignment;
    void* p = ::operator new(rounded, std::align_val_t(alignment));
    buf_ = std::shared_ptr<void>(p, [](void* q) { ::operator delete(q, std::align_val_t(alignment)); });
    data_ = p;
  }
#else
  [[noreturn, gnu::cold]] SESSIONLIB_DECLARE static void throw_too_large(sessionlib::dtype t, const dims& s);
  [[noreturn, gnu::cold]] SESSIONLIB_DECLARE static void throw_oom(sessionlib::dtype t, const dims& s, std::size_t bytes);
  SESSIONLIB_DECLARE void allocate(sessionlib::dtype t, const dims& s);
  SESSIONLIB_DECLARE void allocate(sessionlib::dtype t, const dims& s, std::size_t bytes);
  SESSIONLIB_DECLARE void allocate_unchecked(sessionlib::dtype t, const dims& s, std::size_t bytes);
#endif


  sessionlib::dtype type_ = sessionlib::dtype::float32;
  sessionlib::dtype alloc_type_ = sessionlib::dtype::float32;
  bool handover_ = false;
  bool lent_ = false;
  bool owner_ = false;
  bool strings_ = false;  // buf_ holds cap_ / sizeof(std::string) constructed strings
  dims shape_;
  std::shared_ptr<void> buf_;
  std::size_t cap_ = 0;
  void* data_ = nullptr;
};

}  // namespace sessionlib
