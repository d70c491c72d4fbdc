// expect: sessionlib: feed: the value's element type differs from the tensor's dtype
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto p = sl::placeholder<double, sl::shape<>>(g, "p");
  sl::Session sess(g);
  (void)sess.run(p, {{p, 1.5f}});  // float -> double does not narrow
#if SESSIONLIB_CF_FAIL
  auto q = sl::placeholder<float, sl::shape<>>(g, "q");
  (void)sess.run(q, {{q, 1.5}});  // double -> float narrows
#endif
}
