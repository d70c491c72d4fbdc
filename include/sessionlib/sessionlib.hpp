// sessionlib: TensorFlow 1.x's Graph and Session for C++, with the element type
// and shape of every graph handle in its C++ type. The umbrella header.
//
// Two parts are opt-in, so that a first program does not compile them:
// <sessionlib/input.hpp>, the input pipeline (queues, queue runners, the
// coordinator, readers, string ops, producers and batches), and
// <sessionlib/graph_def.hpp>, TF's GraphDef (needs libprotobuf).
#pragma once

#include "fwd.hpp"

// Compile-time vocabulary
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/checked.hpp"
#include "core/shape.hpp"
#include "core/shape_algebra.hpp"
#include "core/sparse_value.hpp"

// The graph
#include "graph/graph.hpp"
#include "graph/handles.hpp"
#include "graph/builder.hpp"
#include "graph/sparse.hpp"

// Ops by family
#include "ops/constant.hpp"
#include "ops/arithmetic.hpp"
#include "ops/math.hpp"
#include "ops/reduce.hpp"
#include "ops/control.hpp"
#include "ops/linalg.hpp"
#include "ops/array.hpp"
#include "ops/array_index.hpp"
#include "ops/array_fill.hpp"
#include "ops/random.hpp"
#include "ops/init.hpp"
#include "ops/state.hpp"
#include "ops/nn.hpp"
#include "ops/conv.hpp"
#include "ops/split.hpp"
#include "ops/input_part.hpp"  // the queue templates' names; definitions: <sessionlib/input.hpp>
#include "ops/sparse.hpp"
#include "ops/session_ops.hpp"
#include "ops/control_flow.hpp"
#include "ops/functional.hpp"
#include "ops/rnn_cell.hpp"
#include "ops/rnn.hpp"

// The session
#include "session/options.hpp"
#include "session/feed.hpp"
#include "session/fetch.hpp"
#include "session/tensor_handle.hpp"
#include "session/session.hpp"
#include "session/callable.hpp"
#include "session/into.hpp"
#include "session/partial_run.hpp"
#include "session/default_session.hpp"
#include "session/trace.hpp"
#include "session/devices.hpp"

// Training
#include "train/gradients.hpp"
#include "train/optimizers.hpp"
#include "train/npy.hpp"
#include "train/checkpoint.hpp"
#include "train/saver.hpp"

// Data
#include "data/idx.hpp"

// Kernels compiled once in the implementation library, when it is used
// (config.hpp: SESSIONLIB_SEPARATE); nothing in a header-only build.
#include "runtime/kernels/instances.hpp"
