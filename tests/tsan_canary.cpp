// A deliberate data race between two threads of our own: CI's ThreadSanitizer
// phase runs this with tests/tsan.supp and requires a report, so the suppression
// of OpenBLAS's internals can never silence races in code like sessionlib's.
#include <cstdio>
#include <thread>

int counter = 0;  // written by both threads without synchronisation, on purpose

int main() {
  std::thread a([] { for (int i = 0; i < 1000; ++i) ++counter; });
  std::thread b([] { for (int i = 0; i < 1000; ++i) ++counter; });
  a.join();
  b.join();
  std::printf("%d\n", counter);
}
