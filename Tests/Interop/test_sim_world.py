"""Interop: cell-sim's world seen by code no one on the team wrote.

- The world ↔ PLC link through pymodbus: after SimControl/Reset the fixture's NUT_SEATED follows
  the world (no nut on the pin → 0, so the fixture refuses to clamp) and the feeder's PART_PRESENT
  puts a nut at the pick position (ground truth says IN_FEEDER).
- The joint bus from Python's `struct` and `zlib.crc32` (docs/joint-bus.md byte by byte): a command
  datagram moves a joint, state datagrams report it, CRCs match zlib's.

    venv=$(scripts/python-env.sh)
    WORKCELL_BIN_DIR=$(swift build --show-bin-path) "$venv/bin/python" -m pytest -q Tests/Interop/test_sim_world.py
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
import zlib

from test_health_interop import free_ports
from test_plc_peer import (CLAMP_REQUEST, CLAMPED, FEED_REQUEST, FEEDER, FIXTURE, NUT_SEATED, PART_PRESENT, Plc)
from test_sim_plc import BIN_DIR, cell_sim, pytestmark  # noqa: F401  (fixture and skip marker)

HEADER = struct.Struct("<IBBBBQQ")  # magic, version, kind, robot, joints, sequence, timestamp_ns
MAGIC = 0x424A4357
JOINTS = 14
COMMAND_SIZE = 328
STATE_SIZE = 264
HOME = [0, -0.785, 0, -2.356, 0, 1.571, 0.785]
KP = [600, 600, 500, 500, 200, 150, 50]
KD = [40, 40, 30, 30, 10, 8, 4]


def reset(sim, seed: int = 3, robots: int = 1, rtf: float = 1.0):
    api = sim.api.sim_pb2
    return sim.control.Reset(api.ResetRequest(seed=seed, config=api.SimConfig(robot_count=robots,
                                                                               target_real_time_factor=rtf)),
                             timeout=5)


def truth(sim):
    return sim.control.GetGroundTruth(sim.api.sim_pb2.GetGroundTruthRequest(), timeout=5)


def test_world_drives_the_plcs(cell_sim):
    sim = cell_sim()

    async def scenario() -> None:
        async with Plc(sim.modbus_port) as plc:
            assert (await plc.di(FIXTURE))[NUT_SEATED], "before Reset a nut is always seated (PLC-only cell-sim)"
            reset(sim)
            await plc.wait_di(FIXTURE, NUT_SEATED, False, 1.0)
            assert truth(sim).robots[0].nut_state == sim.api.sim_pb2.NUT_STATE_UNSPECIFIED

            await plc.set(FEEDER, FEED_REQUEST, True)
            await plc.wait_di(FEEDER, PART_PRESENT, True, 5.0)
            deadline = time.monotonic() + 1.0
            while truth(sim).robots[0].nut_state != sim.api.sim_pb2.NUT_STATE_IN_FEEDER:
                assert time.monotonic() < deadline, "the world has no nut at the pick position"
                await asyncio.sleep(0.02)
            nut = truth(sim).robots[0].nut_pose.position_m
            assert abs(nut.x - 0.55) < 0.002 and abs(nut.y - (1.0 - 0.35)) < 0.002, nut

            # No nut on the pin: the fixture does not clamp.
            await plc.set(FIXTURE, CLAMP_REQUEST, True)
            await asyncio.sleep(0.3)
            assert not (await plc.di(FIXTURE))[CLAMPED]

    sim.run(scenario())


def command_datagram(robot: int, sequence: int, positions: list[float]) -> bytes:
    body = HEADER.pack(MAGIC, 1, 1, robot, JOINTS, sequence, 0)
    for j in range(JOINTS):
        body += struct.pack("<5f", positions[j], 0.0, 0.0, KP[j % 7], KD[j % 7])
    body += struct.pack("<4f", 0.08, 20.0, 0.08, 20.0) + struct.pack("<I", 0)
    assert len(body) == COMMAND_SIZE - 4
    return body + struct.pack("<I", zlib.crc32(body))


def latest_state(bus: socket.socket) -> bytes:
    """Blocks for one state datagram, then drains the socket: the newest state (one arrives per tick)."""
    bus.settimeout(2.0)
    data, _ = bus.recvfrom(4096)
    bus.setblocking(False)
    try:
        while True:
            data, _ = bus.recvfrom(4096)
    except BlockingIOError:
        pass
    return data


def test_joint_bus_moves_a_joint(cell_sim):
    (bus_port,) = free_ports(1)
    sim = cell_sim("--joint-bus-port", str(bus_port))
    with sim.logs():
        reset(sim, robots=1)
        target = HOME + HOME
        target[7] = 0.3  # right shoulder yaw
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bus:
            bus.settimeout(2.0)
            sequence = 0
            states = []
            deadline = time.monotonic() + 5.0
            position = None
            while time.monotonic() < deadline:
                sequence += 1
                bus.sendto(command_datagram(0, sequence, target), ("127.0.0.1", bus_port))
                data = latest_state(bus)
                assert len(data) == STATE_SIZE
                assert struct.unpack("<I", data[-4:])[0] == zlib.crc32(data[:-4]), "state CRC is not zlib's CRC-32"
                magic, version, kind, robot, joints, tick, stamp = HEADER.unpack_from(data)
                assert (magic, version, kind, robot, joints) == (MAGIC, 1, 2, 0, 14)
                assert stamp == tick * 1_000_000
                states.append(tick)
                position = struct.unpack_from("<f", data, 24 + 12 * 7)[0]
                imu_z = struct.unpack_from("<f", data, 208 + 8)[0]
                assert abs(imu_z - 9.81) < 0.3
                if abs(position - 0.3) < 0.005:
                    break
                time.sleep(0.005)
            assert position is not None and abs(position - 0.3) < 0.005, f"joint 7 at {position}, wanted 0.3"
            assert states == sorted(states)
            applied = struct.unpack_from("<Q", data, 248)[0]
            assert 0 < applied <= sequence

            # A corrupted datagram is dropped: the robot keeps the last good command.
            bad = bytearray(command_datagram(0, sequence + 1, HOME + HOME))
            bad[40] ^= 0xFF
            bus.sendto(bytes(bad), ("127.0.0.1", bus_port))
            time.sleep(0.3)
            bus.sendto(command_datagram(0, sequence + 2, target), ("127.0.0.1", bus_port))
            data = latest_state(bus)
            assert abs(struct.unpack_from("<f", data, 24 + 12 * 7)[0] - 0.3) < 0.01


def test_tactile_of_one_gripper(cell_sim):
    """WatchTactile's `gripper` field: only that hand's fingertips; an unknown hand is NOT_FOUND."""
    import grpc
    import pytest

    sim = cell_sim()
    reset(sim)
    api = sim.api
    sensors = api.sim_pb2_grpc.SimSensorsStub(sim.channel)
    left = api.common_pb2.EquipmentRef(robot="left")
    stream = sensors.WatchTactile(api.sim_pb2.WatchTactileRequest(robot=left, gripper="left_gripper"), timeout=10)
    fingers = set()
    for count, message in enumerate(stream, start=1):
        fingers.add(message.frame.finger)
        assert len(message.frame.pressure_kpa) == message.frame.rows * message.frame.cols
        if count == 6:
            break
    stream.cancel()
    assert fingers == {"left_gripper/finger_a", "left_gripper/finger_b"}

    # `together`: one message per sample with both fingertips, of the same instant.
    stream = sensors.WatchTactile(
        api.sim_pb2.WatchTactileRequest(robot=left, gripper="left_gripper", together=True), timeout=10)
    for count, message in enumerate(stream, start=1):
        assert not message.HasField("frame")
        assert [f.finger for f in message.frames] == ["left_gripper/finger_a", "left_gripper/finger_b"]
        assert len({(f.sequence, f.captured_at.ToNanoseconds()) for f in message.frames}) == 1
        if count == 3:
            break
    stream.cancel()

    with pytest.raises(grpc.RpcError) as refused:
        next(iter(sensors.WatchTactile(api.sim_pb2.WatchTactileRequest(robot=left, gripper="third_hand"), timeout=5)))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    assert "third_hand" in refused.value.details()
