// sessionlib: TensorFlow 1.x's Graph and Session for C++, with the element type
// and shape of every graph handle in its C++ type. The umbrella header.
#pragma once

#include "fwd.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/shape.hpp"
#include "core/shape_algebra.hpp"
#include "graph/graph.hpp"
#include "graph/handles.hpp"
#include "graph/builder.hpp"
#include "ops/constant.hpp"
#include "ops/arithmetic.hpp"
#include "session/options.hpp"
#include "session/feed.hpp"
#include "session/fetch.hpp"
#include "session/session.hpp"
