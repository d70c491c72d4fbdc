// sessionlib/fwd.hpp: forward declarations of sessionlib's public names.
// This header includes nothing of sessionlib's and nothing of xtensor's, so a
// header of the user's can name a handle without paying for the library.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sessionlib {

inline constexpr std::ptrdiff_t dyn = -1;
template <std::ptrdiff_t... D> struct shape;
enum class dtype : std::uint8_t;

class Graph;
class Operation;
template <class T, class S> class Tensor;
template <class T, class S> class Variable;
class Session;
class any_array;
struct none_t;
struct SessionConfig;
struct RunOptions;
struct RunMetadata;
template <class F> struct fetch_traits;  // defined (empty) in session/fetch.hpp
struct GraphDef;  // graph_def/model.hpp: the opt-in GraphDef part

class error;
class cancelled;
class unknown;
class invalid_argument;
class deadline_exceeded;
class not_found;
class already_exists;
class permission_denied;
class resource_exhausted;
class failed_precondition;
class aborted;
class out_of_range;
class unimplemented;
class internal_error;
class unavailable;
class data_loss;
class unauthenticated;
class session_closed;

}  // namespace sessionlib
