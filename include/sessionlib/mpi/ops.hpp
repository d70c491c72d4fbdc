// The collectives as graph ops (Horovod's HorovodAllreduce, HorovodAllgather and
// HorovodBroadcast): typed like other ops, run by their kernels on the executor's
// thread with MPI on sessionlib's communicator (mpi/runtime.hpp), differentiable.
// They are stateful: never folded, merged or reordered among themselves, so every
// rank issues them in its plan's order, the same on every rank.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "../core/any_array.hpp"
#include "../graph/attrs.hpp"
#include "../graph/builder.hpp"
#include "../graph/handles.hpp"
#include "../graph/op_def.hpp"
#include "../runtime/kernel.hpp"
#include "../train/grad_support.hpp"
#include "runtime.hpp"

namespace sessionlib::mpi {

/// How allreduce combines the ranks' values.
enum class reduce_op : std::int64_t { sum, mean, min, max };

namespace detail {

/// The collectives' attributes (Horovod's names): the reduction and the broadcast's root.
struct mpi_attrs {
  static constexpr const char* family = "Mpi";
  std::int64_t reduce_op{};
  std::int64_t root_rank{};
  template <class = void>
  static constexpr auto fields() {
    return std::tuple{attr_field("reduce_op", &mpi_attrs::reduce_op), attr_field("root_rank", &mpi_attrs::root_rank)};
  }
  friend bool operator==(const mpi_attrs&, const mpi_attrs&) = default;
};

/// The element types MPI reduces here.
template <class T>
concept collective_type = std::same_as<T, float> || std::same_as<T, double> || std::same_as<T, std::int32_t> ||
                          std::same_as<T, std::int64_t>;

/// Fails to compile, naming T, where a collective is given a tensor of another element type.
template <class T>
constexpr void report_collective_type() {
  // Cast the tensor first (sl::cast<float>(x)): MPI reduces float, double, int32 and int64 here.
  static_assert(collective_type<T>, "sessionlib: MPI collectives take float, double, int32 or int64 tensors");
}
/// Fails to compile, naming the shape, where allgather is given a scalar.
template <class S>
constexpr void report_allgather_scalar() {
  // Reshape the scalar to shape<1> first (sl::reshape<sl::shape<1>>(x)): allgather stacks along dimension 0.
  static_assert(S::extents.size() > 0, "sessionlib: allgather needs a tensor of rank 1 or more");
}

/// The collectives' op definitions (stateful: never folded or merged), defined on first use.
/// MpiAllreduceStart starts early (op_flags::starts_early, mpi/overlap.hpp).
inline const std::array<const op_def*, 8>& collective_defs() {
  static const std::array<const op_def*, 8> defs = [] {
    std::array<const op_def*, 8> d{};
    std::size_t i = 0;
    for (const char* type : {"MpiAllreduce", "MpiAllgather", "MpiBroadcast", "MpiAllgatherGrad", "MpiBroadcastGrad",
                             "MpiAllreduceFused", "MpiAllreduceDone"})
      d[i++] = &define_op({.type = type, .flags = op_flags::stateful});
    d[i] = &define_op({.type = "MpiAllreduceStart", .flags = op_flags::stateful | op_flags::starts_early});
    return d;
  }();
  return defs;
}

/// Defines the collectives' op kinds before their first node.
inline void define_ops() { (void)collective_defs(); }

/// True when `n` is a collective (what the MPI engine looks for in a plan).
inline bool is_collective(const node& n) {
  const auto& defs = collective_defs();
  return std::find(defs.begin(), defs.end(), n.def) != defs.end();
}

/// Every rank's shape of `x` (the rank is the same everywhere: one graph), rank-major.
inline std::vector<std::int64_t> all_shapes(const kernel_context& ctx, const any_array& x) {
  world& w = world::get();
  const int r = static_cast<int>(x.rank());
  std::vector<std::int64_t> mine(x.shape().begin(), x.shape().end());
  std::vector<std::int64_t> all(static_cast<std::size_t>(r) * static_cast<std::size_t>(w.size()));
  if (r == 0) return all;  // scalars: one shape everywhere
  run_collective(
      "MPI_Allgather", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Allgather(mine.data(), r, MPI_INT64_T, all.data(), r, MPI_INT64_T, w.comm()); });
  return all;
}

/// "[2,3]": rank `k`'s shape in `all`.
inline std::string shape_text(const std::vector<std::int64_t>& all, std::size_t rank, std::size_t k) {
  std::string s = "[";
  for (std::size_t i = 0; i < rank; ++i) {
    if (i) s += ',';
    s += std::to_string(all[k * rank + i]);
  }
  s += ']';
  return s;
}

/// Checks on every rank that all ranks' `x` have one shape (from dimension
/// `from` on): sl::invalid_argument on every rank otherwise, never a hang.
/// Needed only where the static shape leaves a dimension open.
inline void check_same_shapes(const kernel_context& ctx, const any_array& x, std::size_t from) {
  const auto all = all_shapes(ctx, x);
  const std::size_t r = x.rank(), n = all.size() / std::max<std::size_t>(r, 1);
  for (std::size_t k = 1; r > 0 && k < n; ++k)
    for (std::size_t i = from; i < r; ++i)
      if (all[k * r + i] != all[i])
        throw invalid_argument(ctx.n.op + ": the ranks' tensors differ in shape" +
                                   std::string(from ? " past the first dimension" : "") + ": rank 0 has " +
                                   shape_text(all, r, 0) + ", rank " + std::to_string(k) + " has " +
                                   shape_text(all, r, k),
                               ctx.n.name);
}

/// True when the node's static shape has a dynamic dimension from `from` on.
inline bool open_shape(const node& n, std::size_t from = 0) {
  for (std::size_t i = from; i < n.shape.size(); ++i)
    if (n.shape[i] < 0) return true;
  return false;
}

/// MPI_Allreduce of input 0 into the output; mean divides the sum by the rank count.
template <class T>
void allreduce_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const auto op = static_cast<reduce_op>(ctx.attrs<mpi_attrs>().reduce_op);
  if (open_shape(ctx.n)) check_same_shapes(ctx, x, 0);
  ctx.out.ensure(x.dtype(), x.shape());
  world& w = world::get();
  const MPI_Op mop = op == reduce_op::min ? MPI_MIN : op == reduce_op::max ? MPI_MAX : MPI_SUM;
  const void* send = ctx.out.raw() == x.raw() ? MPI_IN_PLACE : x.raw();
  void* out = ctx.out.raw();
  const int n = count(x.size(), ctx.n.name);
  const MPI_Datatype t = datatype(x.dtype(), ctx.n.name);
  run_collective(
      "MPI_Allreduce", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Allreduce(send, out, n, t, mop, w.comm()); });
  if (op == reduce_op::mean) {
    T* o = ctx.out.data<T>();
    const T n = static_cast<T>(w.size());
    for (std::size_t i = 0; i < x.size(); ++i) o[i] /= n;
  }
}

/// Horovod's tensor fusion: inputs 0..k-1 packed into one buffer, one
/// MPI_Allreduce, output i the reduced input i (mean divides by the rank count).
template <class T>
void allreduce_fused_kernel(kernel_context& ctx) {
  const auto op = static_cast<reduce_op>(ctx.attrs<mpi_attrs>().reduce_op);
  std::size_t total = 0;
  for (std::size_t i = 0; i < ctx.nin; ++i) total += ctx.input(i).size();
  std::vector<T> buffer(total);
  T* at = buffer.data();
  for (std::size_t i = 0; i < ctx.nin; ++i) at = std::copy_n(ctx.input(i).data<T>(), ctx.input(i).size(), at);
  world& w = world::get();
  const MPI_Op mop = op == reduce_op::min ? MPI_MIN : op == reduce_op::max ? MPI_MAX : MPI_SUM;
  const int n = count(total, ctx.n.name);
  const MPI_Datatype t = datatype(dtype_of<T>, ctx.n.name);
  run_collective(
      "MPI_Allreduce", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Allreduce(MPI_IN_PLACE, buffer.data(), n, t, mop, w.comm()); });
  const T ranks = static_cast<T>(w.size());
  const T* from = buffer.data();
  for (std::size_t i = 0; i < ctx.nin; ++i) {
    const any_array& x = ctx.input(i);
    any_array& out = ctx.output(i);
    out.ensure(x.dtype(), x.shape());
    T* o = out.data<T>();
    if (op == reduce_op::mean)
      for (std::size_t j = 0; j < x.size(); ++j) o[j] = from[j] / ranks;  // as the unfused mean
    else
      std::copy_n(from, x.size(), o);
    from += x.size();
  }
}

/// The elements of one row of `x` (one index of its first dimension).
inline std::size_t row_elements(const any_array& x) {
  std::size_t e = 1;
  for (std::size_t i = 1; i < x.rank(); ++i) e *= x.shape()[i];
  return e;
}

/// Every rank's first-dimension extent of `x`, and the ranks' inner shapes checked equal.
inline std::vector<std::int64_t> gathered_rows(const kernel_context& ctx, const any_array& x) {
  const auto all = all_shapes(ctx, x);
  const std::size_t r = x.rank(), n = all.size() / r;
  for (std::size_t k = 1; k < n; ++k)
    for (std::size_t i = 1; i < r; ++i)
      if (all[k * r + i] != all[i])
        throw invalid_argument(ctx.n.op + ": the ranks' tensors differ in shape past the first dimension: rank 0 has " +
                                   shape_text(all, r, 0) + ", rank " + std::to_string(k) + " has " +
                                   shape_text(all, r, k),
                               ctx.n.name);
  std::vector<std::int64_t> rows(n);
  for (std::size_t k = 0; k < n; ++k) rows[k] = all[k * r];
  return rows;
}

/// MPI_Allgatherv of input 0 along its first dimension, in rank order.
template <class T>
void allgather_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  const auto rows = gathered_rows(ctx, x);
  const std::size_t inner = row_elements(x);
  std::vector<int> counts(rows.size()), displs(rows.size());
  std::size_t total = 0;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    displs[k] = count(total * inner, ctx.n.name);
    counts[k] = count(static_cast<std::size_t>(rows[k]) * inner, ctx.n.name);
    total += static_cast<std::size_t>(rows[k]);
  }
  dims shape = x.shape();
  shape[0] = total;
  ctx.out.ensure(x.dtype(), shape);
  world& w = world::get();
  const MPI_Datatype t = datatype(x.dtype(), ctx.n.name);
  const int n = count(x.size(), ctx.n.name);
  run_collective(
      "MPI_Allgatherv", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Allgatherv(x.raw(), n, t, ctx.out.raw(), counts.data(), displs.data(), t, w.comm()); });
}

/// MPI_Bcast of input 0 from the root rank into the output.
template <class T>
void broadcast_kernel(kernel_context& ctx) {
  const any_array& x = ctx.input(0);
  world& w = world::get();
  const int root = static_cast<int>(ctx.attrs<mpi_attrs>().root_rank);
  if (root < 0 || root >= w.size())
    ctx.fail("MpiBroadcast: root rank " + std::to_string(root) + " is not in [0, " + std::to_string(w.size()) + ")");
  if (open_shape(ctx.n)) check_same_shapes(ctx, x, 0);
  ctx.out.ensure(x.dtype(), x.shape());
  if (w.rank() == root && ctx.out.raw() != x.raw() && x.size()) std::memcpy(ctx.out.raw(), x.raw(), x.nbytes());
  const int n = count(x.size(), ctx.n.name);
  const MPI_Datatype t = datatype(x.dtype(), ctx.n.name);
  run_collective(
      "MPI_Bcast", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Bcast(ctx.out.raw(), n, t, root, w.comm()); });
}

/// The gradient of allgather: this rank's rows of the sum over ranks of dy
/// (input 0); input 1 is the gathered tensor's input, for this rank's rows.
template <class T>
void allgather_grad_kernel(kernel_context& ctx) {
  const any_array& dy = ctx.input(0);
  const any_array& x = ctx.input(1);
  const auto rows = gathered_rows(ctx, x);
  world& w = world::get();
  std::vector<T> sum(dy.size());
  const int n = count(dy.size(), ctx.n.name);
  const MPI_Datatype t = datatype(dy.dtype(), ctx.n.name);
  run_collective(
      "MPI_Allreduce", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Allreduce(dy.raw(), sum.data(), n, t, MPI_SUM, w.comm()); });
  std::size_t first = 0;
  for (int k = 0; k < w.rank(); ++k) first += static_cast<std::size_t>(rows[static_cast<std::size_t>(k)]);
  ctx.out.ensure(x.dtype(), x.shape());
  const std::size_t inner = row_elements(x);
  std::copy_n(sum.data() + first * inner, x.size(), ctx.out.data<T>());
}

/// The gradient of broadcast: the sum over ranks of dy on the root, zeros elsewhere.
template <class T>
void broadcast_grad_kernel(kernel_context& ctx) {
  const any_array& dy = ctx.input(0);
  world& w = world::get();
  const int root = static_cast<int>(ctx.attrs<mpi_attrs>().root_rank);
  ctx.out.ensure(dy.dtype(), dy.shape());
  const bool at_root = w.rank() == root;
  if (at_root && ctx.out.raw() != dy.raw() && dy.size()) std::memcpy(ctx.out.raw(), dy.raw(), dy.nbytes());
  const void* send = at_root ? MPI_IN_PLACE : dy.raw();
  void* recv = at_root ? ctx.out.raw() : nullptr;
  const int n = count(dy.size(), ctx.n.name);
  const MPI_Datatype t = datatype(dy.dtype(), ctx.n.name);
  run_collective(
      "MPI_Reduce", ctx.n.name, collective_bound(ctx.deadline, ctx.timeout),
      [&] { return MPI_Reduce(send, recv, n, t, MPI_SUM, root, w.comm()); });
  if (!at_root) std::fill_n(ctx.out.data<T>(), dy.size(), T(0));
}

/// A collective's kernel for run-time dtype `t` (gradient builders: float and double).
template <template <class> class K>
kernel_fn kernel_for(dtype t) {
  return erased::visit_floating(t, []<class T>() -> kernel_fn { return K<T>::fn; });
}
template <class T> struct allreduce_k { static constexpr kernel_fn fn = allreduce_kernel<T>; };
template <class T> struct allreduce_fused_k { static constexpr kernel_fn fn = allreduce_fused_kernel<T>; };
template <class T> struct allgather_grad_k { static constexpr kernel_fn fn = allgather_grad_kernel<T>; };
template <class T> struct broadcast_grad_k { static constexpr kernel_fn fn = broadcast_grad_kernel<T>; };

/// Adds a collective node over `inputs`, of output 0's dtype and static shape `shape`.
inline node_id add_collective(Graph& g, std::string op, std::vector<output_ref> inputs, kernel_fn kernel, grad_fn grad,
                              mpi_attrs a, dtype t, std::vector<std::ptrdiff_t> shape, const std::string& name = "") {
  define_ops();
  return add_tensor_node(g,
                         {.op = std::move(op), .name = name, .inputs = std::move(inputs), .kernel = kernel, .grad = grad,
                          .attr = {.family = a}, .stateful = true},
                         t, std::move(shape));
}

/// allreduce's gradient: the allreduce of dy (sum for sum, mean for mean).
inline void allreduce_grad(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const auto a = n.attr.get<mpi_attrs>();
  const auto op = static_cast<reduce_op>(a.reduce_op);
  if (op == reduce_op::min || op == reduce_op::max)
    throw unimplemented("Gradient of MpiAllreduce with reduce_op min or max is not implemented", n.name);
  const dtype t = erased::type_of(g, dy);
  dx[0] = output_ref{add_collective(g, "MpiAllreduce", {dy}, kernel_for<allreduce_k>(t), allreduce_grad, a, t,
                                    erased::shape_of(g, dy))};
}

/// allgather's gradient: this rank's slice of the sum over ranks of dy.
inline void allgather_grad(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const output_ref x = n.inputs[0];
  const dtype t = erased::type_of(g, dy);
  dx[0] = output_ref{add_collective(g, "MpiAllgatherGrad", {dy, x}, kernel_for<allgather_grad_k>(t), nullptr, {}, t,
                                    erased::shape_of(g, x))};
}

/// broadcast's gradient: the sum over ranks of dy, on the root only (zeros elsewhere).
inline void broadcast_grad(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx) {
  const node& n = g.at(self);
  const dtype t = erased::type_of(g, dy);
  dx[0] = output_ref{add_collective(g, "MpiBroadcastGrad", {dy}, kernel_for<broadcast_grad_k>(t), nullptr,
                                    n.attr.get<mpi_attrs>(), t, erased::shape_of(g, dy))};
}

/// The result type of allgather: the first dimension becomes dyn.
template <class S>
struct gathered_shape_impl {};
template <std::ptrdiff_t D0, std::ptrdiff_t... D>
struct gathered_shape_impl<shape<D0, D...>> {
  using type = shape<dyn, D...>;
};

}  // namespace detail

/// The shape allgather returns for a tensor of shape S: its first dimension dyn.
template <class S>
using gathered_shape = typename detail::gathered_shape_impl<S>::type;

/// Horovod's allreduce: every rank's `x` combined by `op` (sum, mean, min,
/// max); the same dtype and shape on every rank. Its gradient is the allreduce
/// of the incoming gradient (sum for sum, mean for mean).
template <TensorLike X>
auto allreduce(const X& x, reduce_op op = reduce_op::sum, const std::string& name = "") {
  using T = value_type_of<X>;
  const auto t = as_tensor(x);
  if constexpr (!detail::collective_type<T>) {
    detail::report_collective_type<T>();
    return t;
  } else {
    Graph& g = t.graph();
    return Tensor<T, shape_of<X>>(
        &g, detail::add_collective(g, "MpiAllreduce", {t.id()}, detail::allreduce_kernel<T>, detail::allreduce_grad,
                                   {.reduce_op = static_cast<std::int64_t>(op)}, dtype_of<T>,
                                   {shape_of<X>::extents.begin(), shape_of<X>::extents.end()}, name));
  }
}

/// Horovod's allgather: every rank's `x` concatenated along the first dimension
/// in rank order (the ranks may differ in that dimension only), so that
/// dimension becomes dyn. Its gradient is this rank's rows of the summed gradient.
template <TensorLike X>
auto allgather(const X& x, const std::string& name = "") {
  using T = value_type_of<X>;
  const auto t = as_tensor(x);
  if constexpr (!detail::collective_type<T>) {
    detail::report_collective_type<T>();
    return t;
  } else if constexpr (shape_of<X>::extents.size() == 0) {
    detail::report_allgather_scalar<shape_of<X>>();
    return t;
  } else {
    using S = gathered_shape<shape_of<X>>;
    Graph& g = t.graph();
    return Tensor<T, S>(&g, detail::add_collective(g, "MpiAllgather", {t.id()}, detail::allgather_kernel<T>,
                                                   detail::allgather_grad, {}, dtype_of<T>,
                                                   {S::extents.begin(), S::extents.end()}, name));
  }
}

/// Horovod's broadcast: the root rank's `x` on every rank (same dtype and shape).
/// Its gradient is the sum over ranks of the incoming gradient, on the root.
template <TensorLike X>
auto broadcast(const X& x, int root, const std::string& name = "") {
  using T = value_type_of<X>;
  const auto t = as_tensor(x);
  if constexpr (!detail::collective_type<T>) {
    detail::report_collective_type<T>();
    return t;
  } else {
    Graph& g = t.graph();
    return Tensor<T, shape_of<X>>(
        &g, detail::add_collective(g, "MpiBroadcast", {t.id()}, detail::broadcast_kernel<T>, detail::broadcast_grad,
                                   {.root_rank = root}, dtype_of<T>,
                                   {shape_of<X>::extents.begin(), shape_of<X>::extents.end()}, name));
  }
}

}  // namespace sessionlib::mpi
