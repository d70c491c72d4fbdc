// Saves that race: threads and processes saving to one directory and to one
// path, through one Saver or several, and saves killed with SIGKILL part-way.
// Every checkpoint a save returned restores, with exactly its values, until
// its Saver's max_to_keep retires it; nothing a dead save left stays.
// Runs in the 'concurrency' suite, so CI runs it under ThreadSanitizer.
#include <doctest/doctest.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>

#include <sys/wait.h>

#include "saver_fixture.hpp"

namespace fs = std::filesystem;
using namespace sessionlib_test;

namespace {

constexpr int threads = 4;
/// Saves per thread or process: 6, or SL_RACE_SAVES for a longer run.
const int saves = [] {
  const char* n = std::getenv("SL_RACE_SAVES");
  return n && std::atoi(n) >= 3 ? std::atoi(n) : 6;
}();

/// Thread or process `t` saves w and b from k = 1000 (t + 1), and steps k, k + 1, ...
float k_of(int t) { return 1000.f * static_cast<float>(t + 1); }

/// The model, a session per thread with its values set, a fresh session per
/// thread to restore into, and one step-increment op built before any thread runs.
struct race {
  temp_dir d{"sl_race"};
  saver_model m;
  std::vector<std::unique_ptr<sl::Session>> src, dst;
  sl::Tensor<std::int64_t, sl::shape<>> next_step = m.step.assign_add(static_cast<std::int64_t>(1));

  explicit race(int n = threads) {
    for (int t = 0; t < n; ++t) {
      src.push_back(std::make_unique<sl::Session>(m.g));
      dst.push_back(std::make_unique<sl::Session>(m.g));
      src.back()->run(m.init);
      m.set(*src.back(), k_of(t));
    }
  }
  /// The step `sess` holds when its w and b are whole values of one thread's series; -1 if not.
  std::int64_t whole_step(sl::Session& sess) {
    auto [wv, bv, sv] = sess.run(std::tuple{m.w, m.b, m.step});
    const float k = 1000.f * static_cast<float>(sv / 1000);
    const xt::xtensor<float, 2> ww{{k, 2 * k, 3 * k}, {-k, 0.f, 1.f}};
    const xt::xtensor<double, 1> bb{double(k), 1.0, -2.0};
    return wv == ww && bv == bb ? static_cast<std::int64_t>(sv) : -1;
  }
};

/// Paths under `dir` whose file name contains `part`.
std::vector<std::string> named(const fs::path& dir, std::string_view part) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->path().filename().string().find(part) != std::string::npos) out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// Runs `body` in a forked child, which exits with its result (99 for an exception).
pid_t in_child(const std::function<int()>& body) {
  std::fflush(nullptr);  // or the child's copy of unwritten output would be written twice
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
    }
    ::_exit(code);
  }
  return pid;
}
int exit_code(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 1000 + WTERMSIG(status) : -1;
}

void check_clean(const fs::path& dir) {
  CHECK(named(dir, ".tmp-").empty());
  CHECK(named(dir, ".in-progress").empty());
}

}  // namespace

TEST_CASE("threads with a Saver each: every returned checkpoint restores until max_to_keep retires it") {
  race r;
  const auto prefix = (r.d.path / "model.ckpt").string();
  std::vector<std::unique_ptr<sl::train::Saver>> savers;
  for (int t = 0; t < threads; ++t) savers.push_back(std::make_unique<sl::train::Saver>(r.m.g, 3));
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < saves; ++i) {
        const auto step = static_cast<std::int64_t>(k_of(t)) + i;
        try {
          const auto path = savers[static_cast<std::size_t>(t)]->save(*r.src[static_cast<std::size_t>(t)], prefix, step);
          savers[static_cast<std::size_t>(t)]->restore(*r.dst[static_cast<std::size_t>(t)], path);
          if (r.whole_step(*r.dst[static_cast<std::size_t>(t)]) != step) ++wrong;
        } catch (const std::exception&) {
          ++failed;
        }
        r.src[static_cast<std::size_t>(t)]->run(r.next_step);
      }
    });
  for (auto& th : pool) th.join();
  CHECK(failed.load() == 0);
  CHECK(wrong.load() == 0);

  // Each Saver keeps its newest 3, whole; nothing else is left.
  sl::Session fresh(r.m.g);
  for (int t = 0; t < threads; ++t) {
    const auto kept = savers[static_cast<std::size_t>(t)]->last_checkpoints();
    REQUIRE(kept.size() == 3);
    for (int i = 0; i < 3; ++i) {
      savers[0]->restore(fresh, kept[static_cast<std::size_t>(i)]);
      CHECK(r.whole_step(fresh) == static_cast<std::int64_t>(k_of(t)) + saves - 3 + i);
    }
  }
  CHECK(named(r.d.path, ".index").size() == threads * 3);
  CHECK(named(r.d.path, ".data-").size() == threads * 3);
  const auto latest = sl::train::latest_checkpoint(r.d.path);
  REQUIRE(latest.has_value());
  savers[0]->restore(fresh, *latest);
  CHECK(r.whole_step(fresh) >= 0);
  check_clean(r.d.path);
}

TEST_CASE("threads saving to one path: each restore right after a save gets one whole checkpoint") {
  race r;
  const auto path = (r.d.path / "shared").string();
  std::vector<std::unique_ptr<sl::train::Saver>> savers;
  SUBCASE("one Saver shared by the threads") {
    savers.push_back(std::make_unique<sl::train::Saver>(r.m.g));
  }
  SUBCASE("a Saver per thread") {
    for (int t = 0; t < threads; ++t) savers.push_back(std::make_unique<sl::train::Saver>(r.m.g));
  }
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const auto u = static_cast<std::size_t>(t);
      auto& saver = *savers[u % savers.size()];
      for (int i = 0; i < saves; ++i) {
        try {
          if (saver.save(*r.src[u], path) != path) ++wrong;
          saver.restore(*r.dst[u], path);  // maybe another thread's save by now, but whole
          if (r.whole_step(*r.dst[u]) < 0) ++wrong;
        } catch (const std::exception&) {
          ++failed;
        }
        r.src[u]->run(r.next_step);
      }
    });
  for (auto& th : pool) th.join();
  CHECK(failed.load() == 0);
  CHECK(wrong.load() == 0);
  CHECK(named(r.d.path, ".data-").size() == 1);  // each save dropped the data it replaced
  sl::Session fresh(r.m.g);
  REQUIRE(sl::train::latest_checkpoint(r.d.path) == path);
  savers[0]->restore(fresh, path);
  CHECK(r.whole_step(fresh) >= 0);
  check_clean(r.d.path);
}

TEST_CASE("one Saver shared by threads keeps exactly its newest max_to_keep") {
  race r;
  const auto prefix = (r.d.path / "model.ckpt").string();
  sl::train::Saver saver(r.m.g, 4);
  std::atomic<int> wrong{0}, failed{0}, retired_early{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const auto u = static_cast<std::size_t>(t);
      for (int i = 0; i < saves; ++i) {
        const auto step = static_cast<std::int64_t>(k_of(t)) + i;
        std::string path;
        try {
          path = saver.save(*r.src[u], prefix, step);
          saver.restore(*r.dst[u], path);
          if (r.whole_step(*r.dst[u]) != step) ++wrong;
        } catch (const sl::not_found&) {
          // Only when the other threads' saves retired it in between.
          const auto kept = saver.last_checkpoints();
          if (path.empty() || std::find(kept.begin(), kept.end(), path) != kept.end()) ++failed;
          else ++retired_early;
        } catch (const std::exception&) {
          ++failed;
        }
        r.src[u]->run(r.next_step);
      }
    });
  for (auto& th : pool) th.join();
  CHECK(failed.load() == 0);
  CHECK(wrong.load() == 0);
  MESSAGE("checkpoints retired by other threads before their restore: ", retired_early.load());

  const auto kept = saver.last_checkpoints();
  REQUIRE(kept.size() == 4);
  sl::Session fresh(r.m.g);
  for (const auto& path : kept) {
    saver.restore(fresh, path);
    CHECK(std::to_string(r.whole_step(fresh)) == path.substr(path.rfind('-') + 1));
  }
  CHECK(named(r.d.path, ".index").size() == 4);
  CHECK(named(r.d.path, ".data-").size() == 4);
  const auto state = sl::train::get_checkpoint_state(r.d.path);
  REQUIRE(state.has_value());
  CHECK(fs::path(state->model_checkpoint_path).filename() == fs::path(kept.back()).filename());
  CHECK(sl::train::latest_checkpoint(r.d.path) == kept.back());
  check_clean(r.d.path);
}

TEST_CASE("processes saving to one directory and one path") {
  constexpr int procs = 3;
  race r(procs);
  const auto prefix = (r.d.path / "model.ckpt").string();
  const auto shared = (r.d.path / "shared").string();
  // Process p saves steps k_p, k_p + 1, ... (it cannot run the session after
  // fork, so w, b and the step stay; the index names the step) and the shared path.
  auto run = [&](int p) {
    sl::train::Saver saver(r.m.g, 2), to_shared(r.m.g, 2);
    int bad = 0;
    for (int i = 0; i < saves; ++i) {
      const auto path = saver.save(*r.src[static_cast<std::size_t>(p)], prefix, static_cast<std::int64_t>(k_of(p)) + i);
      bad += sl::train::load_variable(path, "global_step").scalar<std::int64_t>() != static_cast<std::int64_t>(k_of(p));
      to_shared.save(*r.src[static_cast<std::size_t>(p)], shared);
    }
    return bad;
  };
  std::vector<pid_t> children;
  for (int p = 1; p < procs; ++p) children.push_back(in_child([&, p] { return run(p); }));
  CHECK(run(0) == 0);
  for (pid_t c : children) CHECK(exit_code(c) == 0);

  // Each process's Saver keeps its newest 2, plus the shared path: whole, with their values.
  CHECK(named(r.d.path, ".index").size() == procs * 2 + 1);
  CHECK(named(r.d.path, ".data-").size() == procs * 2 + 1);
  sl::Session fresh(r.m.g);
  sl::train::Saver saver(r.m.g);
  for (int p = 0; p < procs; ++p)
    for (int i = saves - 2; i < saves; ++i) {
      saver.restore(fresh, prefix + "-" + std::to_string(static_cast<int>(k_of(p)) + i));
      CHECK(r.whole_step(fresh) == static_cast<std::int64_t>(k_of(p)));
    }
  saver.restore(fresh, shared);
  CHECK(r.whole_step(fresh) >= 0);
  const auto latest = sl::train::latest_checkpoint(r.d.path);
  REQUIRE(latest.has_value());
  saver.restore(fresh, *latest);
  CHECK(r.whole_step(fresh) >= 0);
  check_clean(r.d.path);
}

TEST_CASE("a save killed by SIGKILL leaves nothing the next save keeps; live saves' files survive") {
  race r(2);
  sl::Session& s = *r.src[0];
  const auto prefix = (r.d.path / "model.ckpt").string();
  sl::train::Saver saver(r.m.g);
  const auto good = saver.save(s, prefix, 1);
  auto& hook = sl::train::detail::checkpoint_write_hook();
  auto ends_with = [](const fs::path& p, std::string_view tail) { return std::string_view(p.string()).ends_with(tail); };

  // Killed at its index, at the state file, while writing its data. Each
  // leaves a temporary behind (and a data directory in progress, but at the
  // state file); each save that reaches its commit removes what the earlier left.
  std::int64_t step = 100;
  for (std::string_view at : {".index", "/checkpoint", ".npy"}) {
    const std::string killed_at(at);
    CAPTURE(killed_at);
    const pid_t pid = in_child([&] {
      hook = [&](const fs::path& p) {
        if (ends_with(p, at)) ::kill(::getpid(), SIGKILL);
      };
      saver.save(s, prefix, step);
      return 3;  // not killed: the hook missed
    });
    CHECK(exit_code(pid) == 1000 + SIGKILL);
    CHECK(named(r.d.path, ".index.tmp-").size() == (at == ".index"));
    CHECK(named(r.d.path, "checkpoint.tmp-").size() == (at != ".index"));  // the data stage sweeps nothing
    CHECK(named(r.d.path, ".npy.tmp-").size() == (at == ".npy"));
    CHECK(named(r.d.path, ".in-progress").size() == (at != "/checkpoint"));
    ++step;
  }

  // Two live writers, stopped: a save writing its data (no directory lock
  // held), and a plain write_checkpoint_index of another prefix.
  int ready[2], go[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(go) == 0);
  bool stopped = false;  // each child stops once
  auto stop_at = [&](std::string_view at) {
    hook = [&, at](const fs::path& p) {
      if (stopped || !ends_with(p, at)) return;
      stopped = true;
      char c = 1;
      if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) ::_exit(4);
    };
  };
  const pid_t saving = in_child([&] {
    ::close(go[1]);  // so a parent that fails a REQUIRE gives the child an EOF, not a hang
    stop_at(".npy");
    return saver.save(*r.src[1], prefix, 300) == prefix + "-300" ? 0 : 5;
  });
  const pid_t indexing = in_child([&] {
    ::close(go[1]);
    stop_at(".index");
    sl::train::write_checkpoint_index(r.d.path / "external", {});
    return 0;
  });
  struct release {  // on any exit: the stopped children go on (or see EOF), and are waited for
    int& go;
    pid_t a, b;
    ~release() {
      if (go >= 0) ::close(go);
      ::waitpid(a, nullptr, 0), ::waitpid(b, nullptr, 0);
    }
  } releaser{go[1], saving, indexing};
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE(::read(ready[0], &c, 1) == 1);

  const auto after = saver.save(s, prefix, 200);
  // The dead saves' leftovers are gone; the live writers' temporaries and data stay.
  const auto temps = named(r.d.path, ".tmp-");
  REQUIRE(temps.size() == 2);
  CHECK(temps[0].find("external.index.tmp-" + std::to_string(indexing) + "-") != std::string::npos);
  CHECK(temps[1].find("model.ckpt-300.data-0/") != std::string::npos);
  CHECK(temps[1].find(".npy.tmp-" + std::to_string(saving) + "-") != std::string::npos);
  CHECK(named(r.d.path, ".in-progress") == std::vector<std::string>{prefix + "-300.data-0/.in-progress"});
  CHECK_FALSE(sl::train::checkpoint_exists(prefix + "-100"));
  CHECK_FALSE(fs::exists(prefix + "-100.data-0"));
  CHECK_FALSE(fs::exists(prefix + "-102.data-0"));
  CHECK(sl::train::checkpoint_exists(prefix + "-101"));  // killed after its index: complete, just not in the state file

  // Let them finish: the stopped save's checkpoint is whole.
  c = 1;
  REQUIRE(::write(go[1], &c, 1) == 1);
  REQUIRE(::write(go[1], &c, 1) == 1);
  ::close(go[1]);
  go[1] = -1;
  CHECK(exit_code(saving) == 0);
  CHECK(exit_code(indexing) == 0);
  for (int fd : {ready[0], ready[1], go[0]}) ::close(fd);
  CHECK(sl::train::read_checkpoint_index(r.d.path / "external").empty());

  const auto last = saver.save(s, prefix, 201);
  check_clean(r.d.path);
  sl::Session fresh(r.m.g);
  for (const auto& saved : {std::pair{good, 0}, std::pair{after, 0}, std::pair{prefix + "-300", 1}, std::pair{last, 0}}) {
    CAPTURE(saved.first);  // (not a structured binding: clang 14 cannot capture one)
    saver.restore(fresh, saved.first);
    CHECK(r.whole_step(fresh) == static_cast<std::int64_t>(k_of(saved.second)));
  }
  REQUIRE(sl::train::latest_checkpoint(r.d.path) == last);
}
