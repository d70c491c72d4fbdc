// sl::TensorHandle<T, S>: what fetching sl::get_session_handle(t) yields (TF's
// TensorHandle). The value stays in the session's tensor store (runtime/state.hpp);
// the handle is its key, fed back to a get_session_tensor placeholder without
// copying the value out. Copies share one record: when the last copy dies, the
// tensor is dropped from its session (TF deletes a handle when it is collected).
// Handles die with their session: after close() or once the session is
// destroyed, using one throws sl::session_closed.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "../graph/session_handles.hpp"
#include "../runtime/state.hpp"

namespace sessionlib {

namespace detail {
/// What every copy of a TensorHandle shares: the handle string and the store
/// holding its tensor (weakly: the store belongs to the session).
struct handle_record {
  std::string handle;
  std::weak_ptr<tensor_store> store;
  std::atomic<bool> deleted{false};

  handle_record(std::string h, std::weak_ptr<tensor_store> s) : handle(std::move(h)), store(std::move(s)) {}
  handle_record(const handle_record&) = delete;
  handle_record& operator=(const handle_record&) = delete;
  ~handle_record() {
    if (deleted.load(std::memory_order_relaxed)) return;
    if (auto s = store.lock()) s->forget(handle);
  }
  /// The store, while its session is open; sl::session_closed otherwise.
  std::shared_ptr<tensor_store> open_store() const {
    auto s = store.lock();
    if (!s || s->closed()) throw session_closed();
    return s;
  }
};

template <class H> struct is_tensor_handle_impl : std::false_type {};
}  // namespace detail

/// A tensor of element type T and static shape S kept inside a session (TF's
/// TensorHandle): fetched from sl::get_session_handle, fed to the placeholder
/// of sl::get_session_tensor (or to any tensor of a fitting type).
template <class T, class S>
class TensorHandle {
 public:
  using value_type = T;
  using shape_type = S;
  /// What eval() returns: T for rank 0, else xt::xtensor<T, rank>.
  using result_type = std::conditional_t<S::rank() == 0, T, xt::xtensor<T, S::rank()>>;

  TensorHandle() = default;
  /// The handle `handle` of a tensor kept in `store` (what a fetch builds).
  TensorHandle(std::string handle, std::weak_ptr<tensor_store> store)
      : rec_(std::make_shared<detail::handle_record>(std::move(handle), std::move(store))) {}

  /// False for a default-constructed handle.
  bool valid() const noexcept { return rec_ != nullptr; }
  /// TF's `handle` / get_raw_handle(): "GetSessionHandle;0;/job:localhost/replica:0/task:0/device:CPU:0".
  const std::string& handle() const { return record().handle; }

  /// TF's eval(): the kept value, copied out (T for rank 0, else xt::xtensor<T, N>).
  result_type eval() const {
    const any_array v = value();
    if constexpr (S::rank() == 0) return v.template scalar<T>();
    else return v.template to_xtensor<T, S::rank()>();
  }
  /// The kept value as the session holds it (its buffer shared, not copied).
  /// TF's message when it was deleted: "The tensor with handle '...' is not in the session store."
  any_array value() const { return record().open_store()->get(handle()); }
  /// TF's delete(): drops the tensor from its session now; a second delete is
  /// sl::invalid_argument "Failed to delete a tensor with handle '...' in the session store."
  void delete_tensor() const {
    const detail::handle_record& r = record();
    r.open_store()->erase(r.handle);
    rec_->deleted.store(true, std::memory_order_relaxed);
  }

  /// The record copies share (a feed keeps it alive while it reads the handle).
  const std::shared_ptr<detail::handle_record>& record_ptr() const noexcept { return rec_; }

 private:
  const detail::handle_record& record() const {
    if (!rec_) throw invalid_argument("The TensorHandle is empty (default-constructed)");
    return *rec_;
  }
  std::shared_ptr<detail::handle_record> rec_;
};

namespace detail {
template <class T, class S> struct is_tensor_handle_impl<TensorHandle<T, S>> : std::true_type {};

/// True when a tensor of element type T2 and static shape S2 may stand where
/// element type T and static shape S are wanted: the same dtype and rank, and
/// no static dimension of one differs from a static dimension of the other
/// (a dyn dimension is checked at run time).
template <class T, class S, class T2, class S2>
constexpr bool handle_fits() {
  if constexpr (!std::is_same_v<T, T2> || S::rank() != S2::rank()) {
    return false;
  } else {
    for (std::size_t i = 0; i < S::rank(); ++i)
      if (S::extents[i] != dyn && S2::extents[i] != dyn && S::extents[i] != S2::extents[i]) return false;
    return true;
  }
}
}  // namespace detail

/// An sl::TensorHandle<T, S> of any T and S.
template <class H>
concept TensorHandleLike = detail::is_tensor_handle_impl<std::remove_cvref_t<H>>::value;

}  // namespace sessionlib
