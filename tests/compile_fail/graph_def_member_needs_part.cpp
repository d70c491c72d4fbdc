// expect: sessionlib: to_graph_def: #include <sessionlib/graph_def.hpp>
// expect-first: sessionlib: to_graph_def: #include <sessionlib/graph_def.hpp>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<2>>(g, "x");
  (void)x;
#if SESSIONLIB_CF_FAIL
  auto def = g.to_graph_def();  // the GraphDef part is opt-in: its header is not included
  (void)def;
#endif
}
