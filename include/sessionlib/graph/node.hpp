// A node is plain data: op kind, inputs, attributes, the kernel instantiated for
// its element type when it was created, and its gradient builder. The runtime
// never sees a template over the graph; it walks a table of these. A node has
// zero or more outputs; a value of the graph is one output, (node, index),
// TF's "name:index".
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/dtype.hpp"
#include "../core/any_array.hpp"
#include "attrs.hpp"
#include "op_attrs.hpp"
#include "op_def.hpp"

namespace sessionlib {

using node_id = std::uint32_t;
inline constexpr node_id no_node = ~node_id{0};

/// One output of a node: TF's tensor "name:index". A node id alone means its
/// output 0, so `{a, b}` lists of single-output nodes need no spelling out.
struct output_ref {
  node_id node = no_node;
  std::uint32_t index = 0;

  constexpr output_ref() noexcept = default;
  constexpr output_ref(node_id n, std::uint32_t i = 0) noexcept : node(n), index(i) {}  // NOLINT: implicit on purpose
  /// False for the empty reference (no_node), e.g. a gradient that is None.
  constexpr bool valid() const noexcept { return node != no_node; }
  friend constexpr bool operator==(const output_ref&, const output_ref&) noexcept = default;
  friend constexpr auto operator<=>(const output_ref&, const output_ref&) noexcept = default;
};

/// The dtype and static shape (-1: dynamic) of one output.
struct output_spec {
  sessionlib::dtype type = sessionlib::dtype::float32;
  std::vector<std::ptrdiff_t> shape;
  friend bool operator==(const output_spec&, const output_spec&) = default;
};

struct kernel_context;
/// A kernel: reads `ctx.in`, writes `ctx.out`. One function per op and dtype.
using kernel_fn = void (*)(kernel_context& ctx);

/// An elementwise node's block function, what fusion strings together:
/// out[i] = f(in0[i * stride[0]], in1[i * stride[1]], ...) for i < n, strides 0 or 1.
using block_fn = void (*)(const void* const* in, const std::size_t* stride, void* out, std::size_t n);

/// The elementwise ops fusion can pair with the op that reads their result
/// (runtime/kernels/pairs.hpp): one pass computes both, so the intermediate
/// is never stored.
enum class pair_op : std::uint8_t { none, add, sub, mul, relu };
/// A consumer's pairing: the block function computing it over the result of
/// a producer `first` (its operands first, then the consumer's other operand),
/// or null when there is none.
using pair_fn = block_fn (*)(pair_op first);

class Graph;
/// A gradient builder: given the node and the gradient of its output (`dy`),
/// adds nodes to the graph and stores one gradient per input in `dx` (invalid: none).
using grad_fn = void (*)(Graph& g, node_id self, output_ref dy, std::vector<output_ref>& dx);
/// The gradient builder of a node with several outputs: `dy` holds one gradient
/// per output (zeros for an output the result does not depend on).
using multi_grad_fn = void (*)(Graph& g, node_id self, const std::vector<output_ref>& dy, std::vector<output_ref>& dx);

/// Attributes: whatever an op needs beyond its inputs.
struct attributes {
  any_array value{};           // a constant's value (Const)
  std::int32_t variable = -1;  // state ops: index of the variable they touch
  attr_box family{};           // the op family's named attributes (graph/op_attrs.hpp)

  /// The family attributes as an A (sl::internal when they are another family's).
  template <AttrStruct A>
  const A& get() const {
    return family.get<A>();
  }
};

/// One node of the graph. Output 0 is (`type`, `shape`); a node with several
/// outputs lists the others in `more_outputs`; an operation has none.
struct node {
  std::string name;                  // unique in the graph ("layer1/mul_1")
  std::string op;                    // TF's op type ("Mul", "MatMul", "Placeholder")
  const op_def* def = nullptr;       // its definition (graph/op_def.hpp), set by Graph::add_node
  std::vector<output_ref> inputs;    // data inputs, in order: outputs of earlier nodes
  std::vector<node_id> control_inputs;
  sessionlib::dtype type = sessionlib::dtype::float32;
  std::vector<std::ptrdiff_t> shape; // static shape, -1 for dynamic dimensions
  bool unknown_rank = false;         // output 0 may have any rank (a placeholder of unknown rank): `shape` is unused
  bool has_output = true;            // false for operations (no_op, group, train ops)
  std::vector<output_spec> more_outputs;  // outputs 1, 2, ... (split, top_k, moments)
  kernel_fn kernel = nullptr;        // null only for nodes that run nothing (no_op, group)
  grad_fn grad = nullptr;            // overrides the gradient registered for `op` (train/gradients.hpp)
  multi_grad_fn multi_grad = nullptr;  // the gradient of a node with several outputs
  attributes attr;
  bool stateful = false;             // touches session state or randomness: never folded or merged
  bool elementwise = false;          // a candidate for elementwise fusion
  block_fn block = nullptr;          // elementwise nodes: the block function fusion calls
  pair_op pairs_as = pair_op::none;  // elementwise nodes: what it is as a pair's first op
  pair_fn pair_after = nullptr;      // elementwise nodes: its block run after a paired first op
  std::uint32_t frame = 0;           // the control-flow body it belongs to (ops/control_flow.hpp); 0: top level

  /// How many outputs it has (0 for an operation).
  std::uint32_t num_outputs() const noexcept {
    return has_output ? 1 + static_cast<std::uint32_t>(more_outputs.size()) : 0;
  }
  /// Output `k`'s dtype and static shape (k < num_outputs()).
  sessionlib::dtype output_type(std::uint32_t k) const noexcept { return k == 0 ? type : more_outputs[k - 1].type; }
  const std::vector<std::ptrdiff_t>& output_shape(std::uint32_t k) const noexcept {
    return k == 0 ? shape : more_outputs[k - 1].shape;
  }
};

}  // namespace sessionlib
