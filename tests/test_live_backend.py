"""The pose backend's scheduling, with scripted stand-ins for its pose servers. latest: the
newest frame goes to an idle server, or waits (staged) while all are busy and goes out the
moment a result is back; results reach the overlay in frame order. ordered: round-robin,
every frame answered in order. And staging into a pose process's ring."""

from __future__ import annotations

import queue
import threading

import numpy as np

from formcheck.pipeline.backend import PoseBackend
from formcheck.pipeline.pose_process import Done, PoseProcess, ServerStopped
from formcheck.pose.landmarks import PoseFrame
from formcheck.source.frame import Frame


class ScriptedServer:
    """Records what is staged and sent; answers when the test says so."""

    def __init__(self, slots=3):
        self.slots = slots
        self.times = None
        self.staged: dict[int, int] = {}  # slot -> frame index staged there
        self.sent: list[tuple[int, int]] = []  # (slot, frame index)
        self.answers: queue.Queue = queue.Queue()
        self.flying: set[int] = set()  # slots sent and not answered yet
        self.sent_event = threading.Event()

    def stage(self, slot, image, max_side=None):
        assert slot not in self.flying, "a slot in flight was overwritten"
        self.staged[slot] = int(image[0, 0, 0])
        return image.shape[:2]

    def wait_ready(self):
        pass

    def send(self, job):
        slot, index = job.slot, job.index
        assert self.staged[slot] == index
        assert not self.flying, "one frame in flight per process"
        self.flying.add(slot)
        self.sent.append((slot, index))
        self.sent_event.set()

    def result(self, timeout=None):
        item = self.answers.get()
        if item is None:
            raise ServerStopped
        self.flying.discard(item[0])
        return Done(*item)

    def stop(self):
        self.answers.put(None)

    def close(self):
        pass


def _pose(i: int, people: int) -> PoseFrame:
    return PoseFrame(i / 30, i, 4, 4, n_people=people)


def _frame(i: int) -> Frame:
    return Frame(np.full((4, 4, 3), i, np.uint8), i / 30, i)


def test_newest_frame_goes_as_soon_as_the_model_is_free():
    fake = ScriptedServer()
    backend = PoseBackend([fake], "latest")
    try:
        assert backend.submit(_frame(0), 0.0) == 0
        assert [i for _, i in fake.sent] == [0]  # idle model: sent at once
        # Busy: 1 waits, 2 replaces it (1 dropped), 3 replaces 2 (2 dropped).
        assert backend.submit(_frame(1), 0.1) == 0
        assert backend.submit(_frame(2), 0.2) == 1
        assert backend.submit(_frame(3), 0.3) == 1
        assert [i for _, i in fake.sent] == [0]
        assert backend.pending == 2  # one in flight, one waiting: live ends when none are
        fake.sent_event.clear()
        slot0 = fake.sent[0][0]
        fake.answers.put((slot0, "pose-0"))
        assert fake.sent_event.wait(2), "the waiting frame was not sent when the result came"
        assert [i for _, i in fake.sent] == [0, 3]  # the newest, without a new capture
        got = backend.get(timeout=2)
        assert got.pose == "pose-0" and int(got.frame.image[0, 0, 0]) == 0
        assert got.captured_at == 0.0
        # Many more frames while busy never run out of slots or touch the one in flight.
        for i in range(4, 40):
            backend.submit(_frame(i), i / 10)
        fake.sent_event.clear()
        fake.answers.put((fake.sent[-1][0], "pose-3"))
        assert fake.sent_event.wait(2)
        assert fake.sent[-1][1] == 39
        assert backend.get(timeout=2).pose == "pose-3"
    finally:
        backend.close()


def test_two_processes_take_turns_and_results_go_on_in_frame_order():
    a, b = ScriptedServer(), ScriptedServer()
    backend = PoseBackend([a, b], "latest")
    try:
        # Both idle: 0 to the first, 1 to the second, nothing waits or is dropped.
        assert backend.submit(_frame(0), 0.0) == 0
        assert backend.submit(_frame(1), 0.1) == 0
        assert [i for _, i in a.sent] == [0] and [i for _, i in b.sent] == [1]
        # Both busy: 2 waits on the one that started first (a); 3 replaces it there.
        assert backend.submit(_frame(2), 0.2) == 0
        assert backend.submit(_frame(3), 0.3) == 1
        a.sent_event.clear()
        # b finishes first (a is slow, e.g. counting people): its result goes on at once.
        b.answers.put((b.sent[0][0], _pose(1, 1)))
        assert backend.get(timeout=2).pose.index == 1
        # a's older result is dropped, not shown after a newer one (the two people it counted
        # go on with the next result); 3 goes out on a.
        a.answers.put((a.sent[0][0], _pose(0, 2)))
        assert a.sent_event.wait(2)
        assert [i for _, i in a.sent] == [0, 3]
        assert backend.get(timeout=0.3) is None
        # b is idle again: the next frame goes straight there.
        assert backend.submit(_frame(4), 0.4) == 0
        assert [i for _, i in b.sent] == [1, 4]
        b.answers.put((b.sent[1][0], _pose(4, 1)))
        shown = backend.get(timeout=2).pose
        assert (shown.index, shown.n_people) == (4, 2)
        a.answers.put((a.sent[1][0], _pose(3, 1)))  # older than 4: dropped as well
        assert backend.get(timeout=0.3) is None
    finally:
        backend.close()


def test_staging_shrinks_and_converts_into_the_slot():
    """What a pose process reads: RGB, longer side capped, in the slot's own memory."""
    w = PoseProcess.__new__(PoseProcess)  # no process needed here
    w._ring = np.zeros((2, 1920 * 1080 * 3), np.uint8)
    image = np.zeros((1920, 1080, 3), np.uint8)
    image[..., 0] = 10  # blue
    image[..., 2] = 200  # red
    assert w.stage(1, image, max_side=960) == (960, 540)
    staged = w._ring[1, :960 * 540 * 3].reshape(960, 540, 3)
    assert (staged[..., 0] == 200).all() and (staged[..., 2] == 10).all()
    assert w.stage(0, image) == (1920, 1080)
    assert (w._ring[0].reshape(1920, 1080, 3)[..., 0] == 200).all()
    assert not w._ring[1, 960 * 540 * 3:].any()
    # A frame larger than the slots (a stream whose size grows midway) is shrunk to fit.
    big = np.zeros((2400, 1350, 3), np.uint8)
    big[..., 2] = 200
    h, w_ = w.stage(0, big)
    assert h * w_ * 3 <= w._ring.shape[1] and abs(h / w_ - 2400 / 1350) < 0.01
    assert (w._ring[0, :h * w_ * 3].reshape(h, w_, 3)[..., 0] == 200).all()


class EchoServer(ScriptedServer):
    """Answers every frame at once, recording which server saw which frame."""

    def __init__(self, slots, seen):
        super().__init__(slots)
        self.seen = seen

    def send(self, job):
        assert self.staged[job.slot] == job.index
        self.flying.add(job.slot)  # several in flight: ordered mode keeps each server busy
        self.seen.append((id(self), job.index))
        self.answers.put((job.slot, _pose(job.index, 1)))


def test_ordered_mode_goes_round_robin_and_answers_every_frame_in_order():
    seen: list = []
    servers = [EchoServer(2, seen), EchoServer(2, seen)]
    backend = PoseBackend(servers, "ordered")
    try:
        out = list(backend.poses(_frame(i) for i in range(9)))
    finally:
        backend.close()
    assert [p.pose.index for p in out] == list(range(9))
    assert [int(p.frame.image[0, 0, 0]) for p in out] == list(range(9))
    assert [seen_by for seen_by, _ in seen] == [id(servers[i % 2]) for i in range(9)]
