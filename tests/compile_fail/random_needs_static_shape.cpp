// expect: sessionlib: random: the shape must be fully static
// expect-one-of: always_false<sessionlib::shape<-1, 3>
#include <sessionlib/sessionlib.hpp>
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  auto ok = sl::random_normal<float, sl::shape<2, 3>>(g);
  (void)ok;
#if SESSIONLIB_CF_FAIL
  auto bad = sl::random_normal<float, sl::shape<sl::dyn, 3>>(g);  // report::random_needs_static_shape<shape<-1, 3>>
  (void)bad;
#endif
}
