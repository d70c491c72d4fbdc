// expect: sessionlib: the shape must be fully static here
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto ok = sl::fill<sl::shape<2, 3>>(g, 1.0f);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::fill<sl::shape<sl::dyn, 3>>(g, 1.0f);  // report::shape_not_static<shape<-1, 3>>; see zeros_like
  (void)bad;
#endif
}
