// expect: sessionlib: FIFOQueue is in the input pipeline part
// expect-first: sessionlib: FIFOQueue is in the input pipeline part: #include <sessionlib/input.hpp>
// The umbrella header declares the queues but leaves their definitions to the
// opt-in part; the twin includes it and compiles.
#include <sessionlib/sessionlib.hpp>
#if !SESSIONLIB_CF_FAIL
#include <sessionlib/input.hpp>
#endif
namespace sl = sessionlib;
int main() {
  sl::Graph g;
  sl::FIFOQueue<float, sl::shape<2>> q(g, 10);
  (void)q;
}
