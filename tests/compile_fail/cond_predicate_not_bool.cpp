// expect: sessionlib: cond: the predicate must be a bool scalar
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto x = sl::placeholder<float, sl::shape<>>(g, "x");
  auto ok = sl::cond(x > 0.f, [&] { return x; }, [&] { return -x; });
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::cond(x, [&] { return x; }, [&] { return -x; });  // a float, not a bool
  (void)bad;
#endif
}
