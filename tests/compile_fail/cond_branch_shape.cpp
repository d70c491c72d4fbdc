// expect: sessionlib: cond: the branches return different types
// expect-one-of: shape<2, 3> | shape<2L, 3L>
// expect-one-of: shape<2, 4> | shape<2L, 4L>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto p = sl::placeholder<bool, sl::shape<>>(g, "p");
  auto a = sl::placeholder<float, sl::shape<2, 3>>(g, "a");
  auto b = sl::placeholder<float, sl::shape<2, 4>>(g, "b");
  auto c = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "c");
  (void)b;
  auto ok = sl::cond(p, [&] { return a; }, [&] { return c; });  // dyn on one side: shape<dyn, 3>
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::cond(p, [&] { return a; }, [&] { return b; });
  (void)bad;
#endif
}
