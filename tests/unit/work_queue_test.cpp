#include <doctest/doctest.h>

#include <stop_token>
#include <thread>

#include "controllers/work_queue.h"

using gantry::controllers::WorkQueue;

TEST_CASE("a key waits in the work queue once however often it is added, in the order first added") {
  WorkQueue queue;
  queue.Add("default/a");
  queue.Add("default/b");
  queue.Add("default/a");
  CHECK(queue.Depth() == 2);
  std::stop_source stop;
  CHECK(queue.Next(stop.get_token()) == "default/a");
  queue.Add("default/a");  // added again while it is being worked on: looked at once more
  CHECK(queue.Next(stop.get_token()) == "default/b");
  CHECK(queue.Next(stop.get_token()) == "default/a");
  CHECK(queue.Depth() == 0);
}

TEST_CASE("a key added for later is due only then, and an immediate add wins") {
  WorkQueue queue;
  std::stop_source stop;
  absl::Time start = absl::Now();
  queue.AddAfter("default/later", absl::Milliseconds(150));
  queue.AddAfter("default/soon", absl::Milliseconds(10));
  CHECK(queue.Next(stop.get_token()) == "default/soon");
  CHECK(queue.Next(stop.get_token()) == "default/later");
  CHECK(absl::Now() - start >= absl::Milliseconds(150));
  queue.AddAfter("default/x", absl::Hours(1));
  queue.Add("default/x");
  CHECK(queue.Next(stop.get_token()) == "default/x");
  CHECK(queue.Depth() == 0);
}

TEST_CASE("a worker waiting for keys ends when its stop is requested") {
  WorkQueue queue;
  std::stop_source stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.request_stop();
  });
  CHECK_FALSE(queue.Next(stop.get_token()).has_value());
  stopper.join();
}
