"""Interop: the pymodbus PLC peer (plc_peer.py) follows docs/plc-io-map.md, checked with pymodbus's own client.

Before the Swift plc-bridge is tested against plc_peer.py, these tests drive the peer with the stock
`AsyncModbusTcpClient` exactly as the map's handshakes describe, plus every misbehaviour the bridge
tests rely on. Timings are shortened with the peer's flags; every wait has a deadline and every peer
process is stopped with SIGTERM (and must exit 0).

    venv=$(scripts/python-env.sh) && "$venv/bin/python" -m pytest -q Tests/Interop/test_plc_peer.py
"""

from __future__ import annotations

import asyncio
import json
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

HOST = "127.0.0.1"
PEER = Path(__file__).with_name("plc_peer.py")
READY_DEADLINE_S = 15.0
EXIT_DEADLINE_S = 5.0
SCENARIO_DEADLINE_S = 25.0
IO_TIMEOUT_S = 2.0

FEEDER, FIXTURE = 1, 2

# The map, by address.
FEED_REQUEST, PART_TAKEN, F_HEARTBEAT, F_FAULT_RESET = range(4)  # feeder coils
FEEDER_READY, PART_PRESENT, FEEDER_FAULT, F_ESTOP_OK = range(4)  # feeder discrete inputs
PARTS_REMAINING, F_FAULT_CODE, PARTS_FED = range(3)  # feeder input registers
CLAMP_REQUEST, FASTEN_START, RESULT_ACK, X_HEARTBEAT, X_FAULT_RESET = range(5)  # fixture coils
(FIXTURE_READY, NUT_SEATED, CLAMPED, FASTEN_BUSY,
 FASTEN_DONE, FASTEN_OK, FIXTURE_FAULT, X_ESTOP_OK) = range(8)  # fixture discrete inputs
FINAL_TORQUE, FINAL_ANGLE, X_FAULT_CODE, CYCLE_COUNT = range(4)  # fixture input registers
PROGRAM = 0  # fixture holding register
SIZES = {  # unit -> (coils, discrete inputs, input registers, holding registers)
    FEEDER: (4, 4, 3, 0),
    FIXTURE: (5, 8, 4, 1),
}

EXC_ILLEGAL_FUNCTION, EXC_ILLEGAL_ADDRESS, EXC_ILLEGAL_VALUE, EXC_BUSY, EXC_GATEWAY_NO_RESPONSE = 1, 2, 3, 6, 0x0B

FAST = ["--present-ms", "100", "--clamp-ms", "50", "--fasten-ms", "200"]


# --- the peer process ---------------------------------------------------------------------------------


class Peer:
    def __init__(self, args: list[str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(PEER), "--port", "0", "--control-port", "0", "-v", *args],
            stdout=subprocess.PIPE, stderr=self._log,
        )
        line = self._read_line(READY_DEADLINE_S)
        parts = line.split()
        if len(parts) != 3 or parts[0] != "READY":
            self.stop()
            raise AssertionError(f"peer's first line is {line!r}, not 'READY <port> <port>'\n{self.log()}")
        self.modbus_port, self.control_port = int(parts[1]), int(parts[2])
        self._control = socket.create_connection((HOST, self.control_port), timeout=IO_TIMEOUT_S)
        self._control_buffer = b""

    def _read_line(self, deadline_s: float) -> str:
        assert self.proc.stdout
        end = time.monotonic() + deadline_s
        data = b""
        while not data.endswith(b"\n"):
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not select.select([self.proc.stdout], [], [], 0)[0]:
                break
            if select.select([self.proc.stdout], [], [], min(left, 0.1))[0]:
                chunk = self.proc.stdout.read1(4096)  # type: ignore[attr-defined]
                if not chunk:
                    break
                data += chunk
        if not data.endswith(b"\n"):
            self.stop()
            raise AssertionError(f"no READY line within {deadline_s}s (got {data!r})\n{self.log()}")
        return data.decode().strip()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def control(self, **command: Any) -> dict[str, Any]:
        self._control.sendall(json.dumps(command).encode() + b"\n")
        while b"\n" not in self._control_buffer:
            chunk = self._control.recv(65536)  # socket timeout = deadline per read
            assert chunk, "control channel closed"
            self._control_buffer += chunk
        line, _, self._control_buffer = self._control_buffer.partition(b"\n")
        return json.loads(line)

    def ok(self, **command: Any) -> dict[str, Any]:
        reply = self.control(**command)
        assert reply.get("ok") is True, reply
        return reply

    def state(self) -> dict[str, Any]:
        return self.ok(get="state")

    def stop(self) -> int | None:
        if getattr(self, "_control", None):
            self._control.close()
            self._control = None  # type: ignore[assignment]
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(EXIT_DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(EXIT_DEADLINE_S)
                self._log.close()
                return None
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def start_peer(tmp_path: Path):
    peers: list[Peer] = []

    def start(*args: str) -> Peer:
        peer = Peer(list(args), tmp_path / f"peer{len(peers)}.log")
        peers.append(peer)
        return peer

    yield start
    codes = [(peer, peer.stop()) for peer in peers]
    for peer, code in codes:
        assert code == 0, f"peer exited with {code} after SIGTERM\n{peer.log()}"


def run(scenario: Awaitable[None], peer: Peer | None = None) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(scenario, SCENARIO_DEADLINE_S)

    try:
        asyncio.run(bounded())
    except BaseException:
        if peer is not None:
            print(peer.log(), file=sys.stderr)
        raise


# --- a small PLC client over pymodbus's AsyncModbusTcpClient ------------------------------------------


class Plc:
    def __init__(self, port: int) -> None:
        # retries=0 and no reconnect: every misbehaviour must show up, not be smoothed over.
        self.client = AsyncModbusTcpClient(HOST, port=port, timeout=IO_TIMEOUT_S, retries=0,
                                           reconnect_delay=0)

    async def __aenter__(self) -> Plc:
        assert await self.client.connect(), "could not connect to the peer"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.client.close()

    @staticmethod
    def _ok(response: Any) -> Any:
        assert not response.isError(), f"unexpected Modbus exception {response}"
        return response

    async def coils(self, unit: int) -> list[bool]:
        n = SIZES[unit][0]
        return self._ok(await self.client.read_coils(0, count=n, device_id=unit)).bits[:n]

    async def di(self, unit: int) -> list[bool]:
        n = SIZES[unit][1]
        return self._ok(await self.client.read_discrete_inputs(0, count=n, device_id=unit)).bits[:n]

    async def ir(self, unit: int) -> list[int]:
        n = SIZES[unit][2]
        return self._ok(await self.client.read_input_registers(0, count=n, device_id=unit)).registers

    async def hr(self, unit: int) -> list[int]:
        n = SIZES[unit][3]
        return self._ok(await self.client.read_holding_registers(0, count=n, device_id=unit)).registers

    async def set(self, unit: int, address: int, value: bool) -> None:
        response = self._ok(await self.client.write_coil(address, value, device_id=unit))
        assert response.bits[0] == value

    async def set_many(self, unit: int, address: int, values: list[bool]) -> None:
        self._ok(await self.client.write_coils(address, values, device_id=unit))

    async def pulse(self, unit: int, address: int) -> None:
        await self.set(unit, address, True)
        await self.set(unit, address, False)

    async def reset(self, unit: int) -> None:
        await self.pulse(unit, F_FAULT_RESET if unit == FEEDER else X_FAULT_RESET)

    async def wait(self, what: str, check: Callable[[], Awaitable[bool]], deadline_s: float) -> float:
        """Poll every 10 ms until check() holds; return the seconds it took."""
        start = time.monotonic()
        while not await check():
            if time.monotonic() - start > deadline_s:
                raise AssertionError(f"{what}: not within {deadline_s}s")
            await asyncio.sleep(0.01)
        return time.monotonic() - start

    async def wait_di(self, unit: int, address: int, value: bool, deadline_s: float) -> float:
        async def check() -> bool:
            return (await self.di(unit))[address] == value
        return await self.wait(f"unit {unit} DI {address} == {value}", check, deadline_s)

    async def wait_ir(self, unit: int, address: int, value: int, deadline_s: float) -> float:
        async def check() -> bool:
            return (await self.ir(unit))[address] == value
        return await self.wait(f"unit {unit} IR {address} == {value}", check, deadline_s)

    async def stays_di(self, unit: int, address: int, value: bool, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            assert (await self.di(unit))[address] == value, f"unit {unit} DI {address} left {value}"
            await asyncio.sleep(0.02)

    async def exception_code(self, call: Awaitable[Any]) -> int:
        response = await call
        assert response.isError(), f"expected a Modbus exception, got {response}"
        return response.exception_code


async def feed_and_take(plc: Plc) -> None:
    await plc.set(FEEDER, FEED_REQUEST, True)
    await plc.wait_di(FEEDER, PART_PRESENT, True, 5.0)
    await plc.set(FEEDER, PART_TAKEN, True)
    await plc.wait_di(FEEDER, PART_PRESENT, False, 2.0)
    await plc.set_many(FEEDER, FEED_REQUEST, [False, False])


async def clamp(plc: Plc) -> None:
    await plc.set(FIXTURE, CLAMP_REQUEST, True)
    await plc.wait_di(FIXTURE, CLAMPED, True, 2.0)


async def fasten_and_ack(plc: Plc) -> tuple[bool, int, int, int]:
    await plc.set(FIXTURE, FASTEN_START, True)
    await plc.wait_di(FIXTURE, FASTEN_DONE, True, 8.0)
    di, ir = await plc.di(FIXTURE), await plc.ir(FIXTURE)
    await plc.set(FIXTURE, RESULT_ACK, True)
    await plc.wait_di(FIXTURE, FASTEN_DONE, False, 2.0)
    assert not (await plc.di(FIXTURE))[CLAMPED]
    await plc.set_many(FIXTURE, CLAMP_REQUEST, [False, False, False])
    return di[FASTEN_OK], ir[FINAL_TORQUE], ir[FINAL_ANGLE], ir[X_FAULT_CODE]


# --- the map's handshakes -----------------------------------------------------------------------------


def test_ready_line_and_power_up_image(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            assert await plc.coils(FEEDER) == [False] * 4
            assert await plc.di(FEEDER) == [True, False, False, True]  # ready, -, -, e-stop chain ok
            assert await plc.ir(FEEDER) == [200, 0, 0]
            assert await plc.coils(FIXTURE) == [False] * 5
            assert await plc.di(FIXTURE) == [True, True, False, False, False, False, False, True]
            assert await plc.ir(FIXTURE) == [0, 0, 0, 0]
            assert await plc.hr(FIXTURE) == [1]

    run(scenario(), peer)
    state = peer.state()
    assert state["feeder"]["FEEDER_READY"] == 1 and state["feeder"]["PARTS_REMAINING"] == 200
    assert state["fixture"]["NUT_SEATED"] == 1 and state["fixture"]["PROGRAM"] == 1
    assert state["peer"]["units"] == {"feeder": 1, "fixture": 2}


@pytest.mark.parametrize("count_on", ["presented", "taken"])
def test_feeder_handshake(start_peer, count_on):
    peer = start_peer("--present-ms", "150", "--count-on", count_on)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            for cycle in (1, 2):
                assert (await plc.di(FEEDER))[FEEDER_READY]
                await plc.set(FEEDER, FEED_REQUEST, True)
                assert not (await plc.di(FEEDER))[FEEDER_READY]  # busy feeding: not idle
                took = await plc.wait_di(FEEDER, PART_PRESENT, True, 5.0)  # map: max 5 s
                assert took >= 0.12, f"PART_PRESENT after {took:.3f}s, --present-ms is 150"
                moved = count_on == "presented"
                assert await plc.ir(FEEDER) == [200 - cycle + (0 if moved else 1), 0, cycle - (0 if moved else 1)]
                await plc.set(FEEDER, PART_TAKEN, True)
                await plc.wait_di(FEEDER, PART_PRESENT, False, 1.0)
                assert await plc.ir(FEEDER) == [200 - cycle, 0, cycle]
                # Not idle again until the robot has cleared FEED_REQUEST and PART_TAKEN.
                assert not (await plc.di(FEEDER))[FEEDER_READY]
                await plc.set(FEEDER, FEED_REQUEST, False)
                assert not (await plc.di(FEEDER))[FEEDER_READY]
                await plc.set(FEEDER, PART_TAKEN, False)
                await plc.wait_di(FEEDER, FEEDER_READY, True, 1.0)
                # No second nut appears while nobody asks for one.
                assert not (await plc.di(FEEDER))[PART_PRESENT]

    run(scenario(), peer)


def test_fixture_handshake(start_peer):
    peer = start_peer("--clamp-ms", "80", "--fasten-ms", "250")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            # PROGRAM through FC 6 and FC 16, read back through FC 3.
            plc._ok(await plc.client.write_register(PROGRAM, 7, device_id=FIXTURE))
            assert await plc.hr(FIXTURE) == [7]
            plc._ok(await plc.client.write_registers(PROGRAM, [9], device_id=FIXTURE))
            assert await plc.hr(FIXTURE) == [9]

            di = await plc.di(FIXTURE)
            assert di[NUT_SEATED] and di[FIXTURE_READY] and not di[CLAMPED]
            await plc.set(FIXTURE, CLAMP_REQUEST, True)
            took = await plc.wait_di(FIXTURE, CLAMPED, True, 2.0)  # map: max 2 s
            assert took >= 0.05
            assert not (await plc.di(FIXTURE))[FIXTURE_READY]

            await plc.set(FIXTURE, FASTEN_START, True)
            di = await plc.di(FIXTURE)
            assert di[FASTEN_BUSY] and not di[FASTEN_DONE]
            took = await plc.wait_di(FIXTURE, FASTEN_DONE, True, 8.0)  # map: max 8 s
            assert took >= 0.2
            di = await plc.di(FIXTURE)
            assert di[FASTEN_OK] and not di[FASTEN_BUSY] and di[CLAMPED] and not di[FIXTURE_FAULT]
            assert await plc.ir(FIXTURE) == [1250, 1800, 0, 1]  # 12.50 N·m, 180.0°, no fault, 1 cycle

            await plc.set(FIXTURE, RESULT_ACK, True)
            di = await plc.di(FIXTURE)
            assert not di[FASTEN_DONE] and not di[CLAMPED] and not di[FASTEN_OK]
            assert not di[FIXTURE_READY]  # the robot has not cleared its coils yet
            await plc.set_many(FIXTURE, CLAMP_REQUEST, [False, False, False])
            await plc.wait_di(FIXTURE, FIXTURE_READY, True, 1.0)

            # A second cycle through the helpers; CYCLE_COUNT counts it.
            await clamp(plc)
            assert await fasten_and_ack(plc) == (True, 1250, 1800, 0)
            assert (await plc.ir(FIXTURE))[CYCLE_COUNT] == 2

    run(scenario(), peer)
    assert peer.state()["internal"]["fixture"]["program_in_use"] == 9


def test_fixture_nok_results_latch_until_fault_reset(start_peer):
    peer = start_peer(*FAST)
    expected = {"not_seated": 3, "cross_thread": 4, "torque_low": 5, "torque_high": 6}

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            for result, code in expected.items():
                peer.ok(result=result)
                await clamp(plc)
                ok, torque, angle, fault = await fasten_and_ack(plc)
                assert (ok, fault) == (False, code), result
                assert torque > 0 and angle > 0
                di = await plc.di(FIXTURE)
                assert di[FIXTURE_FAULT] and not di[FIXTURE_READY] and not di[CLAMPED]
                await plc.reset(FIXTURE)
                assert (await plc.ir(FIXTURE))[X_FAULT_CODE] == 0
                await plc.wait_di(FIXTURE, FIXTURE_READY, True, 1.0)

    run(scenario(), peer)


def test_clamp_waits_for_nut_seated(start_peer):
    peer = start_peer(*FAST, "--nut-seated", "0")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            assert not (await plc.di(FIXTURE))[NUT_SEATED]
            await plc.set(FIXTURE, CLAMP_REQUEST, True)
            await plc.stays_di(FIXTURE, CLAMPED, False, 0.25)
            peer.ok(nut_seated=1)
            await plc.wait_di(FIXTURE, CLAMPED, True, 2.0)

    run(scenario(), peer)


# --- protocol edges -----------------------------------------------------------------------------------


def test_unknown_addresses_answer_exception_2(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            c = plc.client
            for unit, (n_co, n_di, n_ir, n_hr) in SIZES.items():
                # Exactly the map's sizes are readable...
                await plc.coils(unit), await plc.di(unit), await plc.ir(unit)
                # ...and one past the end is not, whether the start or only the end is outside.
                for address, count in ((n_co, 1), (0, n_co + 1), (n_co - 1, 2), (15, 1), (100, 1)):
                    assert await plc.exception_code(c.read_coils(address, count=count, device_id=unit)) == 2
                for address, count in ((n_di, 1), (0, n_di + 1), (16, 1)):
                    assert await plc.exception_code(
                        c.read_discrete_inputs(address, count=count, device_id=unit)) == 2
                for address, count in ((n_ir, 1), (0, n_ir + 1)):
                    assert await plc.exception_code(
                        c.read_input_registers(address, count=count, device_id=unit)) == 2
                assert await plc.exception_code(c.read_holding_registers(n_hr, count=1, device_id=unit)) == 2
                assert await plc.exception_code(c.write_register(n_hr, 1, device_id=unit)) == 2
                assert await plc.exception_code(c.write_registers(n_hr, [1], device_id=unit)) == 2
                assert await plc.exception_code(c.write_coil(n_co, True, device_id=unit)) == 2
                assert await plc.exception_code(c.write_coils(n_co - 1, [False, False], device_id=unit)) == 2
            # Nothing was written by the refused requests.
            assert await plc.coils(FEEDER) == [False] * 4 and await plc.coils(FIXTURE) == [False] * 5
            # Other errors: an unknown unit id, a function code the map does not list.
            assert await plc.exception_code(c.read_coils(0, count=1, device_id=9)) == EXC_GATEWAY_NO_RESPONSE
            assert await plc.exception_code(
                c.readwrite_registers(read_address=0, read_count=1, write_address=0, values=[1],
                                      device_id=FIXTURE)) == EXC_ILLEGAL_FUNCTION

    run(scenario(), peer)


def test_program_outside_1_to_16_is_exception_3(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            c = plc.client
            for value in (0, 17, 0xFFFF):
                assert await plc.exception_code(c.write_register(PROGRAM, value, device_id=FIXTURE)) == 3
                assert await plc.exception_code(c.write_registers(PROGRAM, [value], device_id=FIXTURE)) == 3
            assert await plc.hr(FIXTURE) == [1]
            for value in (1, 16):
                plc._ok(await c.write_register(PROGRAM, value, device_id=FIXTURE))
                assert await plc.hr(FIXTURE) == [value]

    run(scenario(), peer)


def _mbap(tid: int, unit: int, pdu: bytes) -> bytes:
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def _raw_exchange(port: int, frames: bytes, answers: int) -> list[bytes]:
    """Send raw MBAP frames in one segment; return the PDUs of `answers` responses."""
    out: list[bytes] = []
    with socket.create_connection((HOST, port), timeout=IO_TIMEOUT_S) as s:
        s.sendall(frames)
        buffer = b""
        while len(out) < answers:
            while len(buffer) < 6 or len(buffer) < 6 + struct.unpack(">H", buffer[4:6])[0]:
                chunk = s.recv(4096)
                assert chunk, f"connection closed after {len(out)} answers"
                buffer += chunk
            size = 6 + struct.unpack(">H", buffer[4:6])[0]
            out.append(buffer[:size])
            buffer = buffer[size:]
    return out


def test_raw_frames_values_quantities_and_pipelining(start_peer):
    """What pymodbus's client cannot send: a bad coil value, quantity 0, two requests in one segment."""
    peer = start_peer(*FAST)
    bad_coil = _mbap(1, FEEDER, struct.pack(">BHH", 5, FEED_REQUEST, 0x0001))
    zero_count = _mbap(2, FEEDER, struct.pack(">BHH", 1, 0, 0))
    ok_on = _mbap(3, FEEDER, struct.pack(">BHH", 5, F_HEARTBEAT, 0xFF00))
    read_ir = _mbap(4, FIXTURE, struct.pack(">BHH", 4, 0, 4))
    answers = _raw_exchange(peer.modbus_port, bad_coil + zero_count + ok_on + read_ir, 4)
    assert answers[0] == _mbap(1, FEEDER, bytes([0x85, EXC_ILLEGAL_VALUE]))
    assert answers[1] == _mbap(2, FEEDER, bytes([0x81, EXC_ILLEGAL_VALUE]))
    assert answers[2] == ok_on  # FC 5 echoes the request
    assert answers[3] == _mbap(4, FIXTURE, bytes([4, 8]) + bytes(8))
    assert peer.state()["feeder"]["FEED_REQUEST"] == 0
    # A frame that is not MBAP (protocol id 1) gets the connection closed, not a hang.
    with socket.create_connection((HOST, peer.modbus_port), timeout=IO_TIMEOUT_S) as s:
        s.sendall(struct.pack(">HHHB", 9, 1, 6, FEEDER) + struct.pack(">BHH", 1, 0, 1))
        assert s.recv(100) == b""


# --- faults -------------------------------------------------------------------------------------------


def test_heartbeat_loss_latches_16_and_fault_reset_clears_it(start_peer):
    peer = start_peer(*FAST, "--heartbeat-timeout-ms", "300")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            # Not armed before the first toggle: no fault after well over a timeout.
            await asyncio.sleep(0.4)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0
            for i in range(6):  # toggling every 100 ms keeps both units happy
                await asyncio.sleep(0.1)
                await plc.set(FEEDER, F_HEARTBEAT, i % 2 == 0)
                await plc.set(FIXTURE, X_HEARTBEAT, i % 2 == 0)
            stopped = time.monotonic()
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0 and (await plc.ir(FIXTURE))[X_FAULT_CODE] == 0
            await plc.wait_ir(FEEDER, F_FAULT_CODE, 16, 1.0)
            await plc.wait_ir(FIXTURE, X_FAULT_CODE, 16, 1.0)
            assert time.monotonic() - stopped >= 0.25
            assert (await plc.di(FEEDER))[:3] == [False, False, True]  # not ready, fault
            di = await plc.di(FIXTURE)
            assert not di[FIXTURE_READY] and di[FIXTURE_FAULT]

            # New requests are refused while the fault is latched.
            await plc.set(FEEDER, FEED_REQUEST, True)
            await plc.set(FIXTURE, CLAMP_REQUEST, True)
            await plc.stays_di(FEEDER, PART_PRESENT, False, 0.3)
            assert not (await plc.di(FIXTURE))[CLAMPED]

            # Release the requests, reset, and the units are ready again (keep the heartbeat alive).
            await plc.set(FEEDER, FEED_REQUEST, False)
            await plc.set(FIXTURE, CLAMP_REQUEST, False)
            await plc.reset(FEEDER)
            await plc.reset(FIXTURE)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0 and (await plc.ir(FIXTURE))[X_FAULT_CODE] == 0
            assert (await plc.di(FEEDER))[FEEDER_READY] and (await plc.di(FIXTURE))[FIXTURE_READY]
            for i in range(4):
                await plc.set(FEEDER, F_HEARTBEAT, i % 2 == 0)
                await asyncio.sleep(0.1)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0
            await feed_and_take(plc)  # and a handshake works again

    run(scenario(), peer)


def test_require_heartbeat_arms_the_watchdog_at_start(start_peer):
    peer = start_peer(*FAST, "--heartbeat-timeout-ms", "200", "--require-heartbeat")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            await plc.wait_ir(FEEDER, F_FAULT_CODE, 16, 2.0)
            await plc.wait_ir(FIXTURE, X_FAULT_CODE, 16, 2.0)

    run(scenario(), peer)


def test_estop_aborts_handshakes_and_needs_fault_reset(start_peer):
    peer = start_peer("--present-ms", "100", "--clamp-ms", "50", "--fasten-ms", "3000")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            await plc.set(FEEDER, FEED_REQUEST, True)
            await plc.wait_di(FEEDER, PART_PRESENT, True, 5.0)
            await clamp(plc)
            await plc.set(FIXTURE, FASTEN_START, True)
            assert (await plc.di(FIXTURE))[FASTEN_BUSY]

            peer.ok(estop_ok=False)
            feeder, fixture = await plc.di(FEEDER), await plc.di(FIXTURE)
            assert feeder == [False, False, False, False]  # not ready, no part, no fault code, e-stop
            assert fixture[X_ESTOP_OK] is False and not fixture[CLAMPED] and not fixture[FASTEN_BUSY]
            assert not fixture[FASTEN_DONE] and not fixture[FIXTURE_READY]
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0  # the map has no e-stop code
            # FAULT_RESET while the e-stop is still pressed does nothing.
            await plc.reset(FEEDER)
            await plc.reset(FIXTURE)

            peer.ok(estop_ok=True)
            await plc.set_many(FEEDER, FEED_REQUEST, [False, False])
            await plc.set_many(FIXTURE, CLAMP_REQUEST, [False, False, False])
            feeder, fixture = await plc.di(FEEDER), await plc.di(FIXTURE)
            assert feeder[F_ESTOP_OK] and fixture[X_ESTOP_OK]
            assert not feeder[FEEDER_READY] and not fixture[FIXTURE_READY]  # locked until reset
            # The aborted tightening never finishes or counts.
            await asyncio.sleep(0.2)
            assert (await plc.ir(FIXTURE))[CYCLE_COUNT] == 0
            # A request is refused until the reset.
            await plc.set(FEEDER, FEED_REQUEST, True)
            await plc.stays_di(FEEDER, PART_PRESENT, False, 0.25)
            await plc.set(FEEDER, FEED_REQUEST, False)

            await plc.reset(FEEDER)
            await plc.reset(FIXTURE)
            assert (await plc.di(FEEDER))[FEEDER_READY] and (await plc.di(FIXTURE))[FIXTURE_READY]
            await feed_and_take(plc)
            await clamp(plc)

    run(scenario(), peer)


def test_estop_on_one_device_only(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            peer.ok(estop_ok=False, device="fixture")
            assert (await plc.di(FEEDER))[F_ESTOP_OK] and not (await plc.di(FIXTURE))[X_ESTOP_OK]
            peer.ok(estop=True)  # the alias, both devices
            assert (await plc.di(FIXTURE))[X_ESTOP_OK]

    run(scenario(), peer)


def test_part_taken_without_part_present_latches_17(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            await plc.set(FEEDER, PART_TAKEN, True)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 17
            assert (await plc.di(FEEDER))[:3] == [False, False, True]
            await plc.set(FEEDER, FEED_REQUEST, True)  # refused while latched
            await plc.stays_di(FEEDER, PART_PRESENT, False, 0.25)
            await plc.set_many(FEEDER, FEED_REQUEST, [False, False])
            await plc.reset(FEEDER)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0
            assert (await plc.di(FEEDER))[FEEDER_READY]
            # The fixture's counterpart: FASTEN_START without CLAMPED.
            await plc.set(FIXTURE, FASTEN_START, True)
            assert (await plc.ir(FIXTURE))[X_FAULT_CODE] == 17
            assert not (await plc.di(FIXTURE))[FASTEN_BUSY]
            await plc.set(FIXTURE, FASTEN_START, False)
            await plc.reset(FIXTURE)
            assert (await plc.di(FIXTURE))[FIXTURE_READY]

    run(scenario(), peer)


def test_hopper_empty_and_jam(start_peer):
    peer = start_peer(*FAST, "--hopper", "1")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            await feed_and_take(plc)  # the last nut's handshake completes cleanly
            assert await plc.ir(FEEDER) == [0, 2, 1]
            assert (await plc.di(FEEDER))[:3] == [False, False, True]
            await plc.reset(FEEDER)  # still empty: latches again
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 2
            peer.ok(hopper=3)
            await plc.reset(FEEDER)
            assert await plc.ir(FEEDER) == [3, 0, 1]
            assert (await plc.di(FEEDER))[FEEDER_READY]

            peer.ok(jam=True)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 1
            await plc.reset(FEEDER)  # the jam is still there
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 1
            peer.ok(jam=False)
            await plc.reset(FEEDER)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0
            await feed_and_take(plc)

    run(scenario(), peer)


# --- misbehaviours ------------------------------------------------------------------------------------


def test_busy_next_answers_exception_6_without_executing(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            peer.ok(busy_next=3)
            c = plc.client
            assert await plc.exception_code(c.read_discrete_inputs(0, count=4, device_id=FEEDER)) == EXC_BUSY
            assert await plc.exception_code(c.write_coil(FEED_REQUEST, True, device_id=FEEDER)) == EXC_BUSY
            assert await plc.exception_code(c.read_input_registers(0, count=4, device_id=FIXTURE)) == EXC_BUSY
            assert await plc.coils(FEEDER) == [False] * 4  # the refused write did nothing
            assert peer.state()["peer"]["busy_next"] == 0

    run(scenario(), peer)


def test_slow_ms_delays_every_answer(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            peer.ok(slow_ms=300)
            start = time.monotonic()
            await plc.di(FEEDER)
            assert time.monotonic() - start >= 0.28
            peer.ok(slow_ms=0)
            start = time.monotonic()
            await plc.di(FEEDER)
            assert time.monotonic() - start < 0.2

    run(scenario(), peer)


def test_stuck_part_present(start_peer):
    peer = start_peer(*FAST, "--count-on", "taken")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            peer.ok(stuck_part_present=True)
            await plc.set(FEEDER, FEED_REQUEST, True)
            await plc.wait_di(FEEDER, PART_PRESENT, True, 5.0)
            await plc.set(FEEDER, PART_TAKEN, True)
            await plc.stays_di(FEEDER, PART_PRESENT, True, 0.4)
            assert await plc.ir(FEEDER) == [200, 0, 0]  # the PLC does not believe the take
            await plc.set_many(FEEDER, FEED_REQUEST, [False, False])
            await plc.stays_di(FEEDER, PART_PRESENT, True, 0.1)
            assert (await plc.ir(FEEDER))[F_FAULT_CODE] == 0
            peer.ok(stuck_part_present=False)  # the sensor recovers: the pending take completes
            await plc.wait_di(FEEDER, PART_PRESENT, False, 1.0)
            assert await plc.ir(FEEDER) == [199, 0, 1]
            await plc.wait_di(FEEDER, FEEDER_READY, True, 1.0)

    run(scenario(), peer)


def test_drop_after_fasten_start_closes_the_connection(start_peer):
    peer = start_peer("--clamp-ms", "50", "--fasten-ms", "300")

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            await clamp(plc)
            peer.ok(drop_after="fasten_start")
            start = time.monotonic()
            try:
                response = await plc.client.write_coil(FASTEN_START, True, device_id=FIXTURE)
            except ModbusException:
                pass  # the connection went away under the request
            else:
                raise AssertionError(f"the write was answered: {response}")
            assert time.monotonic() - start < IO_TIMEOUT_S + 0.5
            assert not plc.client.connected
        # The write took effect before the drop: the tightening runs; a new connection finishes it.
        async with Plc(peer.modbus_port) as plc:
            di = await plc.di(FIXTURE)
            assert di[FASTEN_BUSY] or di[FASTEN_DONE]
            await plc.wait_di(FIXTURE, FASTEN_DONE, True, 8.0)
            await plc.set(FIXTURE, RESULT_ACK, True)
            await plc.wait_di(FIXTURE, CLAMPED, False, 1.0)
            # One shot: the next FASTEN_START write is answered normally (it is a protocol error now).
            await plc.set(FIXTURE, FASTEN_START, False)
            await plc.set(FIXTURE, FASTEN_START, True)

    run(scenario(), peer)
    state = peer.state()["peer"]
    assert state["dropped"] == 1 and state["drop_after"] is None


def test_drop_now_and_reconnect(start_peer):
    peer = start_peer(*FAST)

    async def scenario() -> None:
        async with Plc(peer.modbus_port) as plc:
            await plc.di(FEEDER)
            assert peer.state()["peer"]["modbus_connections"] == 1
            peer.ok(drop_now=True)
            with pytest.raises(ModbusException):
                await plc.client.read_discrete_inputs(0, count=4, device_id=FEEDER)
        async with Plc(peer.modbus_port) as plc:
            assert (await plc.di(FEEDER))[FEEDER_READY]

    run(scenario(), peer)


def test_control_channel_rejects_bad_commands(start_peer):
    peer = start_peer(*FAST)
    assert peer.control(bogus=1)["ok"] is False
    assert peer.control(result="sideways")["ok"] is False
    assert peer.control(hopper=-1)["ok"] is False
    assert peer.control(drop_after="heartbeat")["ok"] is False  # on both devices: ambiguous
    assert peer.control(drop_after="feeder.heartbeat")["ok"] is True
    # An invalid object changes nothing, not even its valid keys.
    assert peer.control(hopper=5, jam="maybe")["ok"] is False
    assert peer.state()["feeder"]["PARTS_REMAINING"] == 200
    peer._control.sendall(b"not json\n")
    line = peer._control.recv(4096)
    assert json.loads(line)["ok"] is False
