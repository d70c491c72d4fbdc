// Feeds (DESIGN section 3). A feed_entry pairs a tensor with a value and checks
// the pair when it is built: element type, rank, and static dimensions where the
// value's shape is static, are compile errors. Contiguous row-major containers
// and xt::adapt views are read in place; other expressions are evaluated once.
#pragma once

#include <array>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "../core/report.hpp"
#include "../graph/handles.hpp"
#include "../graph/sparse.hpp"
#include "fetch.hpp"
#include "tensor_handle.hpp"

namespace sessionlib {

namespace detail {
template <class E, class = void> struct static_rank_impl { static constexpr std::ptrdiff_t value = -1; };
template <class E>
struct static_rank_impl<E, std::void_t<decltype(std::tuple_size<typename E::shape_type>::value)>> {
  static constexpr std::ptrdiff_t value = static_cast<std::ptrdiff_t>(std::tuple_size<typename E::shape_type>::value);
};

template <class S> struct fixed_dims_impl { static constexpr bool known = false; };
template <std::size_t... I>
struct fixed_dims_impl<xt::fixed_shape<I...>> {
  static constexpr bool known = true;
  static constexpr std::array<std::ptrdiff_t, sizeof...(I)> value{static_cast<std::ptrdiff_t>(I)...};
};

template <class E, class = void> struct value_shape_impl { static constexpr bool known = false; };
template <class E>
struct value_shape_impl<E, std::void_t<typename E::shape_type>> : fixed_dims_impl<typename E::shape_type> {};

// Checks each static dimension, reporting the first pair that differs.
template <class S, class V, std::size_t I = 0>
constexpr void check_static_dims() {
  if constexpr (I < S::rank()) {
    constexpr std::ptrdiff_t want = S::static_extent(I), got = V::value[I];
    if constexpr (want != dyn && want != got) report::feed_dim_mismatch<want, got>();
    else check_static_dims<S, V, I + 1>();
  }
}

template <class T, class V>
concept NonNarrowingScalar = std::is_arithmetic_v<V> && requires(V v) { T{v}; };

template <class E>
concept ContiguousContainer = std::is_base_of_v<xt::xcontainer<E>, E>;
/// A container whose layout is row-major by its type (xt::xtensor, xt::xarray
/// by default): its buffer can always be fed as is.
template <class E>
inline constexpr bool always_row_major = [] {
  if constexpr (ContiguousContainer<E>) return E::static_layout == xt::layout_type::row_major;
  else return false;
}();

/// Checks a SparseTensorValue fed for a sparse tensor of static shape `s`
/// (its indices, values and dense_shape outputs `ids` of `g`): entries agree
/// in number, the dense shape fits `s`, every index lies inside it. TF's
/// messages; the node named is the part at fault.
#if SESSIONLIB_DEFINITIONS
SESSIONLIB_INLINE void check_sparse_feed(const Graph& g, const output_ref (&ids)[3], std::span<const std::ptrdiff_t> s,
                                         const std::int64_t* indices, std::size_t nnz, std::size_t cols,
                                         std::size_t values, const std::int64_t* dense_shape, std::size_t rank) {
  if (nnz != values)
    throw invalid_argument("indices and values rows (indexing dimension) must match. (indices = " +
                               std::to_string(nnz) + ", values = " + std::to_string(values) + ")",
                           g.at(ids[1]).name);
  // A wrong number of columns or dense_shape length is reported by the run's
  // shape check of that part, as for a dense feed.
  if (cols != s.size() || rank != s.size()) return;
  bool fits = true;
  for (std::size_t d = 0; d < rank; ++d) {
    if (dense_shape[d] < 0)
      throw invalid_argument("Dimension " + std::to_string(dense_shape[d]) + " must be >= 0", g.at(ids[2]).name);
    if (s[d] >= 0 && dense_shape[d] != s[d]) fits = false;
  }
  if (!fits)
    throw invalid_argument("Cannot feed a SparseTensorValue of dense shape " + sparse_bracketed(dense_shape, rank) +
                               " for SparseTensor '" + g.tensor_name(ids[2]) + "', which has shape " +
                               static_shape_string(s),
                           g.at(ids[2]).name);
  for (std::size_t n = 0; n < nnz; ++n)
    for (std::size_t d = 0; d < rank; ++d)
      if (indices[n * rank + d] < 0 || indices[n * rank + d] >= dense_shape[d])
        throw invalid_argument(sparse_out_of_bounds(indices, n, rank, dense_shape), g.at(ids[0]).name);
}
#else
SESSIONLIB_DECLARE void check_sparse_feed(const Graph& g, const output_ref (&ids)[3], std::span<const std::ptrdiff_t> s,
                                          const std::int64_t* indices, std::size_t nnz, std::size_t cols,
                                          std::size_t values, const std::int64_t* dense_shape, std::size_t rank);
#endif
template <class X> struct is_tuple_or_pair : std::false_type {};
template <class... X> struct is_tuple_or_pair<std::tuple<X...>> : std::true_type {};
template <class A, class B> struct is_tuple_or_pair<std::pair<A, B>> : std::true_type {};

/// A structure of feed keys (TF's nested tuple keys): a std::tuple or
/// std::pair, or an aggregate whose fields are keys.
template <class K>
concept FeedKeyStructure = is_tuple_or_pair<K>::value ||
                           (std::is_aggregate_v<K> && !std::is_array_v<K> && !TensorLike<K> && !xt::is_xexpression<K>::value);

/// A structure of values for a structure of keys: a std::tuple, a std::pair or an aggregate.
template <class V>
concept FeedValueStructure = is_tuple_or_pair<V>::value ||
                             (std::is_aggregate_v<V> && !std::is_array_v<V> && !xt::is_xexpression<V>::value);

/// A std::tuple of const references to the elements (tuple, pair) or fields (aggregate) of `x`.
template <class X>
auto feed_fields(const X& x) {
  if constexpr (is_tuple_or_pair<X>::value) return std::apply([](const auto&... e) { return std::tie(e...); }, x);
  else return tie_fields<field_count<X>()>(x);
}
template <class X> inline constexpr std::size_t feed_field_count = std::tuple_size_v<decltype(feed_fields(std::declval<const X&>()))>;
}  // namespace detail

/// One `{tensor, value}` entry of a feed dict. The key is a tensor (checked at
/// compile time) or a tensor's name, "x:0" (TF's string keys), checked when the
/// run resolves it: dtype, rank and shape, with TF's messages.
struct feed_entry {
  // The fed output and its graph; for a key given by name, filled in when a
  // run resolves it (resolve()), hence mutable.
  mutable Graph* graph = nullptr;
  mutable output_ref id{};

  /// Checks at compile time that `value` can be fed to `target`.
  template <TensorLike X, class V>
  feed_entry(const X& target, V&& value) {
    using T = typename X::value_type;
    using S = typename X::shape_type;
    using D = std::remove_cvref_t<V>;
    const auto t = as_tensor(target);
    graph = &t.graph();
    id = t.id();
    if constexpr (std::is_arithmetic_v<D>) {
      if constexpr (S::rank() != 0) {
        report::feed_rank_mismatch<S::rank(), 0>();  // a scalar fed to a tensor of rank > 0
      } else if constexpr (!detail::NonNarrowingScalar<T, D>) {
        report::feed_dtype_mismatch<T, D>();  // the scalar does not convert to T without narrowing
      } else {
        const T v{value};
        std::memcpy(inline_, &v, sizeof(T));
        inline_scalar_ = true;
        value_.assign_borrowed(dtype_of<T>, nullptr, 0, nullptr);  // in place: the scalar lives in inline_
      }
    } else if constexpr (TensorHandleLike<D>) {
      // TF feeds a TensorHandle's value to a tensor: here the kept value itself, shared.
      if constexpr (!detail::handle_fits<T, S, typename D::value_type, typename D::shape_type>()) {
        report::handle_feed_mismatch<X, D>();  // X is the fed tensor, D the handle given
      } else {
        value_ = value.value();
        keep_ = value.record_ptr();
      }
    } else if constexpr (StringElement<T> && std::is_convertible_v<const D&, std::string_view>) {
      if constexpr (S::rank() != 0) report::feed_rank_mismatch<S::rank(), 0>();  // a string fed to a tensor of rank > 0
      else store_string(value);
    } else if constexpr (xt::is_xexpression<D>::value) {
      using VT = typename D::value_type;
      constexpr std::ptrdiff_t value_rank = detail::static_rank_impl<D>::value;
      if constexpr (!std::is_same_v<VT, T>) {
        report::feed_dtype_mismatch<T, VT>();  // the tensor's element type, then the value's
      } else if constexpr (value_rank >= 0 && static_cast<std::size_t>(value_rank) != S::rank()) {
        report::feed_rank_mismatch<S::rank(), static_cast<std::size_t>(value_rank)>();
      } else {
        if constexpr (detail::value_shape_impl<D>::known) detail::check_static_dims<S, detail::value_shape_impl<D>>();
        store(std::forward<V>(value));
      }
    } else {
      report::feed_dtype_mismatch<T, D>();  // not a scalar nor an xtensor expression
    }
  }

  /// Feeds a SparseTensorValue to a SparseTensor: element type and rank are
  /// checked at compile time; at run time (here, when the entry is built) that
  /// indices and values agree in number, that the dense shape fits S and that
  /// every index lies inside it (TF's messages). One entry feeds all three parts.
  template <class T, class S, class V>
  feed_entry(const SparseTensor<T, S>& target, V&& value) {
    using D = std::remove_cvref_t<V>;
    if constexpr (!SparseValue<D>) {
      report::sparse_feed_needs_value<D>();  // feed a SparseTensor with an sl::SparseTensorValue<T, rank>
    } else if constexpr (!std::is_same_v<typename D::value_type, T>) {
      report::feed_dtype_mismatch<T, typename D::value_type>();  // the tensor's element type, then the value's
    } else if constexpr (D::rank != S::rank()) {
      report::feed_rank_mismatch<S::rank(), D::rank>();  // the SparseTensor's rank, then the value's
    } else {
      std::shared_ptr<const D> held;
      if constexpr (std::is_rvalue_reference_v<V&&> && !std::is_const_v<std::remove_reference_t<V>>)
        held = std::make_shared<const D>(std::move(value));  // a temporary: kept alive with the entry
      const D& v = held ? *held : value;
      Graph& g = target.graph();
      const output_ref ids[3] = {target.indices_id(), target.values_id(), target.dense_shape_id()};
      detail::check_sparse_feed(g, ids, S::extents, v.indices.data(), v.indices.shape(0), v.indices.shape(1),
                                v.values.size(), v.dense_shape.data(), v.dense_shape.size());
      auto parts = std::make_shared<std::vector<feed_entry>>();
      parts->reserve(3);
      parts->push_back(feed_entry(g, ids[0], any_array::borrow(dtype::int64, dims(v.indices.shape().begin(), v.indices.shape().end()), v.indices.data()), held));
      parts->push_back(feed_entry(g, ids[1], any_array::borrow(dtype_of<T>, dims{v.values.size()}, v.values.data()), held));
      parts->push_back(feed_entry(g, ids[2], any_array::borrow(dtype::int64, dims{v.dense_shape.size()}, v.dense_shape.data()), held));
      graph = &g;
      id = ids[0];
      parts_ = std::move(parts);
    }
  }

  /// Feeds a tensor of unknown rank: an expression of its element type and any
  /// rank (an xt::xarray), or a number (rank 0). The element type is checked at
  /// compile time.
  template <class T, class V>
  feed_entry(const UnknownRankTensor<T>& target, V&& value) : graph(&target.graph()), id(target.id()) {
    using D = std::remove_cvref_t<V>;
    if constexpr (std::is_arithmetic_v<D>) {
      if constexpr (!detail::NonNarrowingScalar<T, D>) {
        report::feed_dtype_mismatch<T, D>();  // the scalar does not convert to T without narrowing
      } else {
        const T v{value};
        std::memcpy(inline_, &v, sizeof(T));
        inline_scalar_ = true;
        value_.assign_borrowed(dtype_of<T>, nullptr, 0, nullptr);
      }
    } else if constexpr (xt::is_xexpression<D>::value) {
      if constexpr (!std::is_same_v<typename D::value_type, T>) report::feed_dtype_mismatch<T, typename D::value_type>();
      else store(std::forward<V>(value));
    } else {
      report::feed_dtype_mismatch<T, D>();  // not a scalar nor an xtensor expression
    }
  }

  /// Feeds a TensorHandle to the placeholder of get_session_tensor (or of
  /// delete_session_tensor, which takes any): the handle's dtype and static
  /// shape must fit the placeholder's (a compile error otherwise). What is fed
  /// is the handle, never the value: the run reads the value where it is kept.
  template <class T, class S, TensorHandleLike H>
  feed_entry(const HandlePlaceholder<T, S>& target, const H& h) {
    using D = std::remove_cvref_t<H>;
    constexpr bool fits = [] {
      if constexpr (std::is_void_v<T>) return true;  // delete_session_tensor's placeholder takes any handle
      else return detail::handle_fits<T, S, typename D::value_type, typename D::shape_type>();
    }();
    if constexpr (!fits) {
      report::handle_feed_mismatch<HandlePlaceholder<T, S>, D>();  // the placeholder's type, then the handle's
    } else {
      graph = &target.graph();
      id = target.id();
      value_ = any_array::borrow(dtype::string, dims{}, &h.handle());  // a string scalar, as TF's
      keep_ = h.record_ptr();  // the string lives in the handle's record
    }
  }

  /// Feeds a handle's string itself (TF's `feed_dict={h: handle.handle}`): the
  /// string is looked up when the op runs, so a string naming no kept tensor is
  /// TF's run-time error, and the dtype check happens there too.
  template <class T, class S, class V>
    requires(!TensorHandleLike<V> && std::is_convertible_v<const V&, std::string_view>)
  feed_entry(const HandlePlaceholder<T, S>& target, const V& handle) {
    graph = &target.graph();
    id = target.id();
    store_string(handle);
  }

  /// A nested key (TF's tuple feed keys): a std::tuple, std::pair or aggregate
  /// of keys takes a value of the same structure (a std::tuple, std::pair or
  /// aggregate of as many values), each pair checked as its own entry would be.
  /// One entry feeds every tensor of the key. A temporary value is kept alive
  /// by the entry.
  template <detail::FeedKeyStructure K, class V>
  feed_entry(const K& key, V&& value) {
    using D = std::remove_cvref_t<V>;
    if constexpr (!detail::FeedValueStructure<D>) {
      report::feed_structure_mismatch<K, D>();  // K is the key's structure, D the value's
    } else if constexpr (detail::feed_field_count<K> != detail::feed_field_count<D>) {
      report::feed_structure_mismatch<K, D>();  // K is the key's structure, D the value's
    } else {
      std::shared_ptr<const D> held;
      if constexpr (std::is_rvalue_reference_v<V&&> && !std::is_const_v<std::remove_reference_t<V>>)
        held = std::make_shared<const D>(std::move(value));  // a temporary: its arrays stay readable in place
      const D& v = held ? *held : value;
      auto parts = std::make_shared<std::vector<feed_entry>>();
      const auto keys = detail::feed_fields(key);
      const auto values = detail::feed_fields(v);
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (add_part(*parts, feed_entry(std::get<I>(keys), std::get<I>(values))), ...);
      }(std::make_index_sequence<detail::feed_field_count<K>>{});
      if (!parts->empty()) {
        graph = parts->front().graph;
        id = parts->front().id;
      }
      keep_ = std::move(held);
      parts_ = std::move(parts);
    }
  }

  /// Feeds the tensor named `tensor_name` ("x:0", "split:1"), resolved in the
  /// session's graph when run. A C++ number converts to the tensor's dtype when
  /// it does so exactly (as TF converts Python numbers); an array must have the
  /// tensor's dtype and a shape it accepts.
  template <class V>
  feed_entry(std::string_view tensor_name, V&& value) : name_(tensor_name) {
    using D = std::remove_cvref_t<V>;
    if constexpr (std::is_arithmetic_v<D> && Element<D>) {
      std::memcpy(inline_, &value, sizeof(D));
      inline_scalar_ = true;
      value_.assign_borrowed(dtype_of<D>, nullptr, 0, nullptr);
    } else if constexpr (std::is_convertible_v<const D&, std::string_view>) {
      store_string(value);
    } else if constexpr (xt::is_xexpression<D>::value && Element<typename D::value_type>) {
      store(std::forward<V>(value));
    } else {
      static_assert(report::always_false<D>,
                    "sessionlib: feed by name: the value must be a number, a string or an xtensor expression of "
                    "float, double, int32, int64, uint8, bool or std::string");
    }
  }

  /// The single-tensor entries this one stands for: itself, a sparse feed's
  /// three (indices, values, dense_shape), or a nested key's. Valid while it lives.
  std::span<const feed_entry> parts() const noexcept {
    if (parts_) return {parts_->data(), parts_->size()};
    return {this, 1};
  }

  /// True when the key is a name, resolved by the run.
  bool by_name() const noexcept { return !name_.empty(); }

  /// Resolves a key given by name in `g` (a no-op for a tensor key): sets
  /// `graph` and `id`, and converts a number to the tensor's dtype when it
  /// does so exactly. Errors as TF's for a name that is no tensor.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void resolve(Graph& g) const {
    if (name_.empty()) return;
    const auto colon = name_.rfind(':');
    if (colon == std::string::npos)
      throw invalid_argument("Cannot interpret feed_dict key as Tensor: The name '" + name_ +
                                 "' refers to an Operation, not a Tensor. Tensor names must be of the form "
                                 "\"<op_name>:<output_index>\".",
                             name_);
    const std::string op = name_.substr(0, colon);
    const auto found = g.find(name_);
    if (!found) {
      const auto node = g.find(op);
      throw not_found("The name '" + name_ + "' refers to a Tensor which does not exist. The operation, '" + op +
                          (node ? "', exists but only has " + std::to_string(g.at(*node).num_outputs()) + " outputs."
                                : "', does not exist in the graph."),
                      name_);
    }
    graph = &g;
    id = *found;
    const node& n = g.at(id);
    if (inline_scalar_ && n.has_output && n.output_type(id.index) != value_.dtype()) convert_scalar(n.output_type(id.index));
  }
#else
  SESSIONLIB_DECLARE void resolve(Graph& g) const;
#endif

  /// The value as the runtime sees it (a view; valid while the entry lives).
  any_array view() const {
    if (inline_scalar_) return any_array::borrow(value_.dtype(), dims{}, inline_);
    return value_;
  }

 private:
  // One part of a sparse feed: output `r` of `g` fed `value`, which `keep` holds alive.
  feed_entry(Graph& g, output_ref r, any_array value, std::shared_ptr<const void> keep)
      : graph(&g), id(r), value_(std::move(value)), keep_(std::move(keep)) {}

  // Appends `e`, or the single-tensor entries it stands for (a nested or sparse key).
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE static void add_part(std::vector<feed_entry>& parts, feed_entry&& e) {
    if (e.parts_) {
      for (const feed_entry& p : *e.parts_) parts.push_back(p);
      // A part may read memory its parent keeps alive (a temporary structure).
      if (e.keep_)
        for (std::size_t i = parts.size() - e.parts_->size(); i < parts.size(); ++i)
          if (!parts[i].keep_) parts[i].keep_ = e.keep_;
    } else {
      parts.push_back(std::move(e));
    }
  }
#else
  SESSIONLIB_DECLARE static void add_part(std::vector<feed_entry>& parts, feed_entry&& e);
#endif

  // A scalar string, held with the entry.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void store_string(std::string_view v) {
    auto held = std::make_shared<const std::string>(v);
    value_ = any_array::borrow(dtype::string, dims{}, held.get());
    keep_ = std::move(held);
  }
#else
  SESSIONLIB_DECLARE void store_string(std::string_view v);
#endif

  template <class V>
  void store(V&& value) {
    using D = std::remove_cvref_t<V>;
    const auto& e = value;
    using VT = typename D::value_type;
    if constexpr (detail::ContiguousContainer<D>) {
      if (detail::always_row_major<D> || e.layout() == xt::layout_type::row_major) {
        if constexpr (std::is_rvalue_reference_v<V&&> && !std::is_const_v<std::remove_reference_t<V>>) {
          // A temporary container: keep it alive with the entry, still without copying values.
          auto held = std::make_shared<D>(std::move(value));
          store_view(dtype_of<VT>, held->shape().data(), held->shape().size(), held->data());  // (value is moved from)
          keep_ = std::move(held);
        } else {
          store_view(dtype_of<VT>, e.shape().data(), e.shape().size(), e.data());
        }
        return;
      }
    }
    // (Never reached by a container whose layout is row-major by type, as
    // xt::xtensor's: the copy of any expression is not instantiated for it.)
    if constexpr (!detail::always_row_major<D>) value_ = any_array::from_expression(e);
  }

#if SESSIONLIB_DEFINITIONS
  /// Feeds a view of the row-major buffer `data` of dtype `t` and shape
  /// (`shape`, `rank`): store's work for containers, one copy for all.
  SESSIONLIB_INLINE void store_view(dtype t, const std::size_t* shape, std::size_t rank, const void* data) {
    value_ = any_array::borrow(t, dims(shape, shape + rank), data);
  }
#else
  SESSIONLIB_DECLARE void store_view(dtype t, const std::size_t* shape, std::size_t rank, const void* data);
#endif

  // A number fed by name to a tensor of another dtype: converted when exact
  // (the value read back equals the original), else left for the run's dtype check.
#if SESSIONLIB_DEFINITIONS
  SESSIONLIB_INLINE void convert_scalar(dtype to) const {
    visit_dtype(value_.dtype(), [&]<class From>() {
      From v;
      std::memcpy(&v, inline_, sizeof(From));
      visit_dtype(to, [&]<class To>() {
        if constexpr (std::is_same_v<To, bool> || std::is_same_v<From, bool>) {
          return;  // no number converts to or from bool
        } else if constexpr (std::is_floating_point_v<From> && !std::is_floating_point_v<To>) {
          return;  // TF refuses a float for an integer tensor
        } else {
          const To t = static_cast<To>(v);
          if (static_cast<From>(t) != v || (v < From{}) != (t < To{})) return;  // would not be exact
          std::memcpy(inline_, &t, sizeof(To));
          value_ = any_array::borrow(dtype_of<To>, dims{}, nullptr);
        }
      });
    });
  }
#else
  SESSIONLIB_DECLARE void convert_scalar(dtype to) const;
#endif

  std::string name_;  // the key's name when given by name
  mutable any_array value_;
  std::shared_ptr<const void> keep_;
  std::shared_ptr<const std::vector<feed_entry>> parts_;  // a sparse feed's three entries, a nested key's
  alignas(8) mutable unsigned char inline_[8] = {};
  bool inline_scalar_ = false;
};

/// A feed dict built at run time; holds views, so values must outlive the run.
using feed_dict = std::vector<feed_entry>;

/// The tensors a callable or partial run is fed, in parameter order.
template <class... X>
struct feed_list_t {
  std::tuple<Tensor<typename X::value_type, typename X::shape_type>...> tensors;
};

/// `sl::feed_list(x, y)`: the fed tensors of make_callable / partial_run_setup.
template <TensorLike... X>
feed_list_t<X...> feed_list(const X&... x) {
  return {std::tuple{as_tensor(x)...}};
}

/// A run-time-length list of fed tensors of one type (TF's 200-step partial
/// run): the callable takes a std::vector of values, one per tensor.
template <class T, class S>
struct feed_vector_t {
  std::vector<Tensor<T, S>> tensors;
};

/// `sl::feed_list(xs)` with `xs` a std::vector of same-typed tensors: a callable
/// taking `const std::vector<xt::xtensor<T, N>>&` (`std::vector<T>` for rank 0).
template <TensorLike X>
feed_vector_t<value_type_of<X>, shape_of<X>> feed_list(const std::vector<X>& xs) {
  feed_vector_t<value_type_of<X>, shape_of<X>> r;
  r.tensors.reserve(xs.size());
  for (const auto& x : xs) r.tensors.push_back(as_tensor(x));
  return r;
}

/// Fed tensors named as TF names them ("x:0"), each of a type the caller
/// states, which is checked when the callable is made (Graph::tensor: dtype
/// and static shape, TF's messages); see feed_list<X...>(names...).
template <class... X>
struct named_feed_list_t {
  std::array<std::string, sizeof...(X)> names;

  /// The tensors of `g` the names denote, checked against X...
  feed_list_t<X...> resolve(Graph& g) const {
    return resolve(g, std::index_sequence_for<X...>{});
  }

 private:
  template <std::size_t... I>
  feed_list_t<X...> resolve(Graph& g, std::index_sequence<I...>) const {
    return {std::tuple{g.template tensor<typename X::value_type, typename X::shape_type>(names[I])...}};
  }
};

/// `sl::feed_list<sl::Tensor<float, sl::shape<sl::dyn, 784>>, sl::Tensor<std::int64_t, sl::shape<sl::dyn>>>("x:0", "y:0")`:
/// fed tensors by name, for a program that has only the names (an imported
/// graph); the callable's parameter types follow from the stated tensor types.
template <class... X, class... N>
  requires(sizeof...(X) > 0 && sizeof...(X) == sizeof...(N) && (TensorLike<X> && ...) &&
           (std::is_convertible_v<const N&, std::string_view> && ...))
named_feed_list_t<X...> feed_list(const N&... names) {
  return {{std::string(std::string_view(names))...}};
}

}  // namespace sessionlib
