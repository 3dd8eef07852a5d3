#!/usr/bin/env python3
"""An independent cell PLC (feeder + fixture) speaking Modbus TCP, written from the I/O map alone.

This is the "real peer" of issue 4: a PLC built on pymodbus's async TCP server that follows the cell's
I/O map (revision 1, now docs/plc-io-map.md) as a plant's controls engineer would program it, plus
the misbehaviours the bridge must survive (slow answers, exception 6, a dropped connection
mid-handshake, a stuck PART_PRESENT). It was written without looking at the Swift bridge or at the
Swift cell-sim, so that two implementations that no one wrote to fit each other meet in the tests.

    venv=$(scripts/python-env.sh)
    "$venv/bin/python" Tests/Interop/plc_peer.py --port 0 --control-port 0 --present-ms 100
    # stdout, exactly one line once both listeners are up:  READY <modbus_port> <control_port>

Both devices live behind one listening port on 127.0.0.1: the feeder at unit id 1 and the fixture at
unit id 2 (--feeder-unit / --fixture-unit). SIGTERM or SIGINT stops the peer with exit status 0.

Datastore (pymodbus 3.16): one `SimDevice` per unit with four separate blocks (coils, discrete
inputs, holding registers, input registers) sized exactly as the map. `ModbusServerContext` /
`ModbusDeviceContext` / `ModbusSequentialDataBlock` still exist in 3.16 but are deprecated shims that
build the same `SimDevice`s (and log a deprecation warning on every start), so the peer uses the
`SimDevice`/`SimData` API they convert to. The PLC logic reads and writes that datastore through the
server's public `async_getValues` / `async_setValues`.

Request handling: the server is a `ModbusTcpServer` whose `callback_new_connection` returns our
`ServerRequestHandler` subclass. The subclass is where the map's exact address check, the
misbehaviours and a scan right after every write live. It exists because stock pymodbus 3.16:
  * validates coil/discrete-input addresses per 16-bit word, so reading feeder coil 4..15 returns
    data instead of exception 2 (the map requires exception 2 for every unknown address);
  * answers an unknown unit id with exception 4 and a traceback (KeyError inside SimCore);
  * answers only the first of several requests that arrive in one TCP segment (pipelining) and
    clears its receive buffer on every send;
  * has no hook that can delay a response, answer busy, or close one connection: `trace_pdu` sees no
    connection, and a `SimDevice` action sees neither the request's bit count nor the connection.

Controls decisions where the map is silent or ambiguous (each marked "MAP:" in the code below):
  1. Handshake requests are levels, but a finished, refused or aborted handshake must be *released*
     (the robot clears its coils) before a new one is accepted. FEEDER_READY / FIXTURE_READY are 1
     only in that idle state. A reset never starts motion by itself (held requests need re-raising).
  2. PARTS_REMAINING and PARTS_FED change when a nut is *presented* (the map: PARTS_FED = "nuts
     presented"; a presented nut has left the hopper). --count-on taken moves both to PART_TAKEN.
  3. Every non-zero FAULT_CODE is latched (FEEDER_FAULT / FIXTURE_FAULT = 1) and shown first-out:
     a second fault while one is latched does not replace the code. FAULT_RESET (rising edge,
     ESTOP_OK = 1) clears it; a condition that still holds (hopper empty, jam) latches again at once.
  4. Hopper empty (2) latches when PARTS_REMAINING = 0 and no nut is on its way or waiting at the
     pick position, so the last nut's handshake finishes cleanly.
  5. A latched fault refuses new requests only; a handshake already under way runs to its end
     (heartbeat loss does not abort a tightening). Exceptions: a jam (1) and a protocol error (17)
     cancel a presentation that has not happened yet.
  6. E-stop (ESTOP_OK = 0) aborts every handshake (PART_PRESENT, CLAMPED, FASTEN_BUSY, FASTEN_DONE,
     FASTEN_OK drop; an aborted tightening is not counted) and latches an e-stop lock. The map has no
     e-stop FAULT_CODE, so FAULT_CODE and the *_FAULT bit are left as they are; the lock shows as
     READY = 0 with ESTOP_OK = 1 until a FAULT_RESET rising edge. FAULT_RESET while ESTOP_OK = 0 is
     ignored (the edge is consumed; pulse it again after the e-stop is released).
  7. Protocol errors (17): PART_TAKEN rising while PART_PRESENT = 0; FASTEN_START rising while not
     CLAMPED (including during FASTEN_BUSY / FASTEN_DONE). RESULT_ACK without FASTEN_DONE is
     harmless and ignored. The PLC itself runs no handshake timeouts (the map gives no values).
  8. Tightening results NOK (3 not seated, 4 cross-thread, 5 torque low, 6 torque high) are latched
     faults too ("FIXTURE_FAULT: latched fault, see FAULT_CODE"): RESULT_ACK drops FASTEN_DONE and
     unclamps as usual, then FIXTURE_READY stays 0 until FAULT_RESET.
  9. CLAMP_REQUEST while NUT_SEATED = 0 waits (no fault) and clamps once the nut is seated; dropping
     CLAMP_REQUEST before FASTEN_START unclamps; during FASTEN_BUSY / FASTEN_DONE it is ignored.
 10. HEARTBEAT: any change of the coil (either direction) is a toggle; the watchdog is armed by the
     first toggle (or from start with --require-heartbeat), keeps running across disconnects, and
     restarts its 1 s window at every FAULT_RESET that clears a fault.
 11. PROGRAM (holding register 0) starts at 1; writes outside 1..16 are refused with exception 3 and
     leave the register unchanged. It and the result are sampled at the FASTEN_START edge; the
     result registers are cleared to 0 at that edge and valid again with FASTEN_DONE.
 12. An unknown unit id gets exception 0x0B (gateway target failed to respond); function codes not
     in the map's list get exception 1; a quantity outside the Modbus limits, a malformed byte count
     or a single-coil value other than 0x0000/0xFF00 gets exception 3; then any address outside the
     map's table sizes gets exception 2 (the Modbus spec's order of checks).

Control channel (--control-port, 127.0.0.1, one JSON object per line, one JSON line back): see
CONTROL_HELP below or `--help`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import struct
import sys
import time
from collections.abc import Sequence
from typing import Any

from pymodbus import ExceptionResponse
from pymodbus.constants import ExcCodes
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusTcpServer
from pymodbus.server.requesthandler import ServerRequestHandler
from pymodbus.simulator import DataType, SimData, SimDevice

HOST = "127.0.0.1"
log = logging.getLogger("plc_peer")

# --- the map ------------------------------------------------------------------------------------------

FEEDER_COILS = ("FEED_REQUEST", "PART_TAKEN", "HEARTBEAT", "FAULT_RESET")
FEEDER_DI = ("FEEDER_READY", "PART_PRESENT", "FEEDER_FAULT", "ESTOP_OK")
FEEDER_IR = ("PARTS_REMAINING", "FAULT_CODE", "PARTS_FED")
FEEDER_HR: tuple[str, ...] = ()

FIXTURE_COILS = ("CLAMP_REQUEST", "FASTEN_START", "RESULT_ACK", "HEARTBEAT", "FAULT_RESET")
FIXTURE_DI = (
    "FIXTURE_READY", "NUT_SEATED", "CLAMPED", "FASTEN_BUSY",
    "FASTEN_DONE", "FASTEN_OK", "FIXTURE_FAULT", "ESTOP_OK",
)
FIXTURE_IR = ("FINAL_TORQUE", "FINAL_ANGLE", "FAULT_CODE", "CYCLE_COUNT")
FIXTURE_HR = ("PROGRAM",)

FAULT_NONE, FAULT_JAM, FAULT_HOPPER_EMPTY = 0, 1, 2
FAULT_NOT_SEATED, FAULT_CROSS_THREAD, FAULT_TORQUE_LOW, FAULT_TORQUE_HIGH = 3, 4, 5, 6
FAULT_HEARTBEAT, FAULT_HANDSHAKE = 16, 17

# The map's maximum timings.
MAX_PRESENT_MS, MAX_CLAMP_MS, MAX_FASTEN_MS = 5000, 2000, 8000
PROGRAM_MIN, PROGRAM_MAX = 1, 16

# Tightening outcomes: FASTEN_OK, FINAL_TORQUE (0.01 N·m), FINAL_ANGLE (0.1 degree), FAULT_CODE.
RESULTS: dict[str, tuple[bool, int, int, int]] = {
    "ok": (True, 1250, 1800, FAULT_NONE),
    "not_seated": (False, 310, 3600, FAULT_NOT_SEATED),   # spline not engaged: spins, no torque
    "cross_thread": (False, 1480, 420, FAULT_CROSS_THREAD),  # torque early, angle short
    "torque_low": (False, 940, 2650, FAULT_TORQUE_LOW),
    "torque_high": (False, 1610, 1520, FAULT_TORQUE_HIGH),
}

# Function codes the map lists, with the Modbus quantity limits for each.
FC_READ_COILS, FC_READ_DI, FC_READ_HR, FC_READ_IR = 1, 2, 3, 4
FC_WRITE_COIL, FC_WRITE_REG, FC_WRITE_COILS, FC_WRITE_REGS = 5, 6, 15, 16
READ_LIMITS = {FC_READ_COILS: 2000, FC_READ_DI: 2000, FC_READ_HR: 125, FC_READ_IR: 125}
WRITE_COIL_VALUES = (0x0000, 0xFF00)

CONTROL_HELP = """\
control channel: TCP on 127.0.0.1:<control_port>, one JSON object per line, answered by one JSON line
({"ok": true} or {"ok": false, "error": "..."}). Several keys in one object apply together; an
invalid object changes nothing.
  {"estop_ok": false}          press the e-stop (ESTOP_OK = 0); true releases it. Alias: "estop".
                               Optional "device": "feeder" | "fixture" (default both).
  {"hopper": 0}                set PARTS_REMAINING (0..65535)
  {"jam": true}                feeder jam (fault 1) until {"jam": false} and FAULT_RESET
  {"result": "cross_thread"}   outcome of the following tightenings: ok, not_seated, cross_thread,
                               torque_low, torque_high
  {"nut_seated": 0}            NUT_SEATED (0/1)
  {"busy_next": 5}             answer the next 5 Modbus requests with exception 6 (not executed)
  {"busy_every": 9}            answer every 9th Modbus request, writes included, with exception 6
                               (not executed); 0 = off. "busy_answers" in the state counts them.
  {"silent_next": 3}           neither execute nor answer the next 3 requests
  {"garbage_next": 1}          answer the next request with 12 bytes that are no MBAP frame
  {"wrong_tid_next": 2}        execute the next 2 requests, answer under another transaction id
                               ("misbehaved" in the state counts the three above)
  {"slow_ms": 800}             delay every Modbus request by 800 ms before it is executed (0 = off)
  {"drop_after": "fasten_start"}  one shot: the next write that sets that coil to 1 is executed and
                               the connection is closed instead of answered. Any coil name, e.g.
                               feed_request, part_taken, clamp_request, result_ack, or
                               "feeder.heartbeat"; null disarms.
  {"drop_now": true}           close every open Modbus connection now
  {"stuck_part_present": true} PART_PRESENT does not drop after PART_TAKEN (counters do not move)
                               until false again, when the pending take completes
  {"get": "state"}             {"ok": true, "feeder": {tag: value}, "fixture": {tag: value},
                               "internal": {...}, "peer": {...}}
"""


def _bits(values: Sequence[Any]) -> list[bool]:
    return [bool(v) for v in values]


# --- PLC logic (pure: lists in, lists out) ------------------------------------------------------------


class Unit:
    """What the feeder and the fixture share: fault latch, e-stop lock, heartbeat watchdog."""

    name = ""
    coil_names: tuple[str, ...] = ()
    di_names: tuple[str, ...] = ()
    ir_names: tuple[str, ...] = ()
    hr_names: tuple[str, ...] = ()
    HEARTBEAT = FAULT_RESET = -1  # coil addresses, set by subclasses

    def __init__(self, unit_id: int, args: argparse.Namespace, now: float) -> None:
        self.unit_id = unit_id
        self.heartbeat_timeout = args.heartbeat_timeout_ms / 1000.0
        self.hb_armed = bool(args.require_heartbeat)
        self.hb_last = now
        self.fault_code = FAULT_NONE
        self.estop_ok = True
        self.estop_latched = False
        self.state = "idle"
        self.prev = [False] * len(self.coil_names)
        self.coils = [False] * len(self.coil_names)

    # MAP: "latched fault, see FAULT_CODE" -> first-out latch, cleared only by FAULT_RESET.
    def latch(self, code: int) -> None:
        if self.fault_code == FAULT_NONE:
            self.fault_code = code
            log.info("%s: fault %d latched", self.name, code)

    def check_registers(self, address: int, values: Sequence[int]) -> ExcCodes | None:
        """Refuse holding-register values outside their range (exception 3)."""
        return None

    def can_accept_new(self) -> bool:
        return self.fault_code == FAULT_NONE and not self.estop_latched and self.estop_ok

    def rising(self, addr: int) -> bool:
        return self.coils[addr] and not self.prev[addr]

    def abort(self) -> None:
        """E-stop: drop every handshake output (subclasses)."""

    def conditions(self) -> None:
        """Faults that latch again while their cause persists (subclasses)."""

    def handshake(self, now: float) -> None:
        """The device's own handshake (subclasses)."""

    def step(self, now: float, coils: Sequence[bool], holding: Sequence[int]) -> None:
        self.coils = _bits(coils)
        self.holding = list(holding)
        # Heartbeat watchdog. MAP: any change is a toggle; armed by the first one.
        if self.coils[self.HEARTBEAT] != self.prev[self.HEARTBEAT]:
            self.hb_armed = True
            self.hb_last = now
        if self.hb_armed and now - self.hb_last > self.heartbeat_timeout:
            self.latch(FAULT_HEARTBEAT)
        # E-stop aborts and locks. MAP: no e-stop FAULT_CODE; the lock needs FAULT_RESET.
        if not self.estop_ok and not self.estop_latched:
            self.estop_latched = True
            log.info("%s: e-stop, handshake aborted (state %s)", self.name, self.state)
            self.abort()
        # FAULT_RESET: rising edge, only with ESTOP_OK = 1.
        if self.rising(self.FAULT_RESET) and self.estop_ok:
            if self.fault_code != FAULT_NONE or self.estop_latched:
                log.info("%s: fault reset (code %d, e-stop lock %s)", self.name,
                         self.fault_code, self.estop_latched)
            self.fault_code = FAULT_NONE
            self.estop_latched = False
            self.hb_last = now  # a fresh watchdog window after a reset
        self.conditions()
        self.handshake(now)
        self.prev = list(self.coils)

    def ready(self) -> bool:
        return self.state == "idle" and self.can_accept_new()


class Feeder(Unit):
    name = "feeder"
    coil_names, di_names, ir_names, hr_names = FEEDER_COILS, FEEDER_DI, FEEDER_IR, FEEDER_HR
    FEED_REQUEST, PART_TAKEN, HEARTBEAT, FAULT_RESET = range(4)

    def __init__(self, unit_id: int, args: argparse.Namespace, now: float) -> None:
        super().__init__(unit_id, args, now)
        self.present_s = args.present_ms / 1000.0
        self.count_on = args.count_on
        self.parts_remaining = args.hopper
        self.parts_fed = 0
        self.part_present = False
        self.present_at = 0.0
        self.jam = False
        self.stuck = False
        self.taken_pending = False

    # States: idle -> feeding -> presented -> release (robot clears its coils) -> idle.
    def latch(self, code: int) -> None:
        super().latch(code)
        # MAP: a jam or a protocol error cancels a presentation that has not happened yet.
        if code in (FAULT_JAM, FAULT_HANDSHAKE) and self.state == "feeding":
            self.state = "release"

    def abort(self) -> None:
        self.part_present = False
        self.taken_pending = False
        self.state = "release"

    def conditions(self) -> None:
        if self.jam:
            self.latch(FAULT_JAM)
        # MAP: hopper empty latches once no nut is on its way or waiting at the pick position.
        if self.parts_remaining == 0 and self.state in ("idle", "release"):
            self.latch(FAULT_HOPPER_EMPTY)

    def _count(self) -> None:
        self.parts_remaining = max(0, self.parts_remaining - 1)
        self.parts_fed = (self.parts_fed + 1) & 0xFFFF

    def _complete_take(self) -> None:
        self.part_present = False
        self.taken_pending = False
        if self.count_on == "taken":
            self._count()
        self.state = "release"
        log.info("%s: part taken, %d left", self.name, self.parts_remaining)

    def handshake(self, now: float) -> None:
        c = self.coils
        if self.rising(self.PART_TAKEN):
            if self.state == "presented" and self.part_present:
                if self.stuck:
                    self.taken_pending = True  # the sensor still sees a nut
                else:
                    self._complete_take()
            else:
                # MAP: "PART_TAKEN while PART_PRESENT = 0 is a protocol error (FAULT_CODE 17)".
                self.latch(FAULT_HANDSHAKE)
        if self.state == "presented" and self.taken_pending and not self.stuck:
            self._complete_take()
        if self.state == "idle" and c[self.FEED_REQUEST]:
            if self.can_accept_new() and self.parts_remaining > 0:
                self.state = "feeding"
                self.present_at = now + self.present_s
                log.info("%s: feed requested", self.name)
            else:
                self.state = "release"  # refused: must be released and raised again
                log.info("%s: feed request refused (fault %d, e-stop lock %s, hopper %d)", self.name,
                         self.fault_code, self.estop_latched, self.parts_remaining)
        if self.state == "feeding":
            if not c[self.FEED_REQUEST]:
                self.state = "release"  # the robot withdrew its request
            elif now >= self.present_at:
                if self.parts_remaining == 0:
                    self.latch(FAULT_HOPPER_EMPTY)
                    self.state = "release"
                else:
                    self.part_present = True
                    self.state = "presented"
                    if self.count_on == "presented":
                        self._count()
                    log.info("%s: part present", self.name)
        # MAP: a presented nut stays presented even if FEED_REQUEST drops (it is physically there).
        if self.state == "release" and not c[self.FEED_REQUEST] and not c[self.PART_TAKEN]:
            self.state = "idle"

    def ready(self) -> bool:
        return super().ready() and self.parts_remaining > 0

    def outputs(self) -> tuple[list[bool], list[int]]:
        di = [self.ready(), self.part_present, self.fault_code != FAULT_NONE, self.estop_ok]
        ir = [self.parts_remaining, self.fault_code, self.parts_fed]
        return di, ir

    def internal(self) -> dict[str, Any]:
        return {
            "state": self.state, "estop_latched": self.estop_latched, "heartbeat_armed": self.hb_armed,
            "jam": self.jam, "stuck_part_present": self.stuck, "taken_pending": self.taken_pending,
            "count_on": self.count_on,
        }


class Fixture(Unit):
    name = "fixture"
    coil_names, di_names, ir_names, hr_names = FIXTURE_COILS, FIXTURE_DI, FIXTURE_IR, FIXTURE_HR
    CLAMP_REQUEST, FASTEN_START, RESULT_ACK, HEARTBEAT, FAULT_RESET = range(5)
    PROGRAM = 0

    def __init__(self, unit_id: int, args: argparse.Namespace, now: float) -> None:
        super().__init__(unit_id, args, now)
        self.clamp_s = args.clamp_ms / 1000.0
        self.fasten_s = args.fasten_ms / 1000.0
        self.result = args.result
        self.nut_seated = bool(args.nut_seated)
        self.clamped = self.busy = self.done = self.ok = False
        self.torque = self.angle = 0
        self.cycle_count = 0
        self.timer = 0.0
        self.program_in_use = 0
        self.result_in_use = args.result

    # States: idle -> clamping -> clamped -> busy -> done -> release (coils cleared) -> idle.
    def abort(self) -> None:
        self.clamped = self.busy = self.done = self.ok = False
        self.state = "release"

    def handshake(self, now: float) -> None:
        c = self.coils
        if self.rising(self.FASTEN_START) and not self.estop_latched and self.estop_ok:
            if self.state == "clamped":
                if self.can_accept_new():
                    self.state = "busy"
                    self.busy = True
                    self.timer = now + self.fasten_s
                    self.program_in_use = self.holding[self.PROGRAM]
                    self.result_in_use = self.result
                    self.torque = self.angle = 0
                    log.info("%s: tightening, program %d", self.name, self.program_in_use)
                # else: a latched fault refuses the new request quietly
            else:
                # MAP: FASTEN_START "only when CLAMPED = 1"; like PART_TAKEN, a protocol error.
                self.latch(FAULT_HANDSHAKE)
        if self.state == "idle" and c[self.CLAMP_REQUEST]:
            if not self.can_accept_new():
                self.state = "release"  # refused: must be released and raised again
            elif self.nut_seated:  # MAP: without a seated nut the request waits
                self.state = "clamping"
                self.timer = now + self.clamp_s
        if self.state == "clamping":
            if not c[self.CLAMP_REQUEST]:
                self.state = "release"
            elif not self.nut_seated:
                self.state = "idle"
            elif now >= self.timer:
                self.clamped = True
                self.state = "clamped"
                log.info("%s: clamped", self.name)
        if self.state == "clamped" and not c[self.CLAMP_REQUEST]:
            self.clamped = False  # the robot withdrew before FASTEN_START
            self.state = "release"
        if self.state == "busy" and now >= self.timer:
            ok, torque, angle, code = RESULTS[self.result_in_use]
            self.busy = False
            self.done = True
            self.ok = ok
            self.torque, self.angle = torque, angle
            self.cycle_count = (self.cycle_count + 1) & 0xFFFF
            if code != FAULT_NONE:
                self.latch(code)  # MAP: NOK results are latched faults
            self.state = "done"
            log.info("%s: done, %s", self.name, self.result_in_use)
        if self.state == "done" and c[self.RESULT_ACK]:
            self.done = self.ok = self.clamped = False
            self.state = "release"
            log.info("%s: result acknowledged, unclamped", self.name)
        if (self.state == "release" and not c[self.CLAMP_REQUEST] and not c[self.FASTEN_START]
                and not c[self.RESULT_ACK]):
            self.state = "idle"

    def ready(self) -> bool:
        return super().ready() and not self.clamped

    def outputs(self) -> tuple[list[bool], list[int]]:
        di = [
            self.ready(), self.nut_seated, self.clamped, self.busy, self.done, self.ok,
            self.fault_code != FAULT_NONE, self.estop_ok,
        ]
        ir = [self.torque, self.angle, self.fault_code, self.cycle_count]
        return di, ir

    def check_registers(self, address: int, values: Sequence[int]) -> ExcCodes | None:
        for i, value in enumerate(values):
            if address + i == self.PROGRAM and not PROGRAM_MIN <= value <= PROGRAM_MAX:
                return ExcCodes.ILLEGAL_VALUE
        return None

    def internal(self) -> dict[str, Any]:
        return {
            "state": self.state, "estop_latched": self.estop_latched, "heartbeat_armed": self.hb_armed,
            "result": self.result, "program_in_use": self.program_in_use,
        }


# --- Modbus side --------------------------------------------------------------------------------------


def build_device(unit: Unit) -> SimDevice:
    """A SimDevice with four separate blocks, each exactly the map's size (the feeder has no
    holding register: one INVALID cell, so even pymodbus itself refuses it)."""
    def bits(n: int) -> list[SimData]:
        return [SimData(0, values=[False] * n, datatype=DataType.BITS)]

    def regs(n: int, initial: int = 0) -> list[SimData]:
        if n == 0:
            return [SimData(0, count=1, datatype=DataType.INVALID)]
        return [SimData(0, values=[initial] * n, datatype=DataType.REGISTERS)]

    hr_initial = PROGRAM_MIN if unit.hr_names else 0
    return SimDevice(
        unit.unit_id,
        simdata=(
            bits(len(unit.coil_names)),
            bits(len(unit.di_names)),
            regs(len(unit.hr_names), hr_initial),
            regs(len(unit.ir_names)),
        ),
    )


class PeerRequestHandler(ServerRequestHandler):
    """One client connection: every complete frame is queued and answered in order by one worker."""

    def __init__(self, owner: PeerServer) -> None:
        super().__init__(owner, owner.trace_packet, owner.trace_pdu, owner.trace_connect)
        self.plc: PlcPeer = owner.plc
        self.requests: asyncio.Queue[tuple[int, int, bytes]] = asyncio.Queue()
        self.worker: asyncio.Task | None = None

    def callback_connected(self) -> None:
        super().callback_connected()
        self.plc.connections.add(self)
        self.worker = asyncio.create_task(self._work(), name="plc_peer connection")

    def callback_disconnected(self, exc: Exception | None) -> None:
        super().callback_disconnected(exc)
        self._forget()

    def _forget(self) -> None:
        self.plc.connections.discard(self)
        if self.worker and self.worker is not asyncio.current_task():
            self.worker.cancel()

    def drop(self) -> None:
        """Close this connection without answering (the peer's 'dropped connection')."""
        log.info("dropping a Modbus connection")
        self.plc.dropped += 1
        self._forget()
        self.close()

    def callback_data(self, data: bytes, addr: tuple | None = None) -> int:
        # Unlike the stock handler, take every complete MBAP frame in the buffer, not just the first.
        used = 0
        while used < len(data):
            if len(data) - used >= 6:
                protocol, length = struct.unpack(">HH", data[used + 2 : used + 6])
                if protocol != 0 or not 2 <= length <= 254:
                    # Out of step with the MBAP framing: a PLC closes the connection.
                    log.warning("bad MBAP header %s: closing the connection", data[used : used + 7].hex(" "))
                    self._forget()
                    self.close()
                    return len(data)
            length, dev_id, tid, pdu = self.framer.decode(data[used:])
            if not length:
                break
            used += length
            if pdu:
                self.requests.put_nowait((dev_id, tid, pdu))
        return used

    def send(self, data: bytes, addr: tuple | None = None) -> None:
        # The base class clears the receive buffer on every send, losing a request that has only
        # partly arrived; a PLC must not.
        pending = self.recv_buffer
        super().send(data, addr)
        self.recv_buffer = pending

    async def _work(self) -> None:
        while True:
            dev_id, tid, pdu = await self.requests.get()
            if self.plc.slow_ms:
                await asyncio.sleep(self.plc.slow_ms / 1000.0)
            if not self.transport:
                return
            if self.plc.silent_next > 0:
                # Neither executed nor answered (a request lost on the way to the PLC).
                self.plc.silent_next -= 1
                self.plc.misbehaved += 1
                continue
            if self.plc.garbage_next > 0:
                # Bytes that are no MBAP frame (protocol id 0x4747, length 0x4747) instead of an answer.
                self.plc.garbage_next -= 1
                self.plc.misbehaved += 1
                self.transport.write(b"GGGGGGGGGGGG")
                continue
            response, drop = await self.plc.execute(self, dev_id, pdu)
            if self.plc.wrong_tid_next > 0:
                # Executed, but answered under another transaction id (a confused gateway).
                self.plc.wrong_tid_next -= 1
                self.plc.misbehaved += 1
                tid = (tid + 0x5A5A) & 0xFFFF
            if drop:
                self.drop()
                return
            response.transaction_id = tid
            response.dev_id = dev_id
            self.pdu_send(response)


class PeerServer(ModbusTcpServer):
    def __init__(self, plc: PlcPeer, devices: list[SimDevice], port: int) -> None:
        self.plc = plc
        super().__init__(devices, address=(HOST, port))

    def callback_new_connection(self) -> PeerRequestHandler:
        return PeerRequestHandler(self)


class PlcPeer:
    def __init__(self, args: argparse.Namespace) -> None:
        now = time.monotonic()
        self.args = args
        self.feeder = Feeder(args.feeder_unit, args, now)
        self.fixture = Fixture(args.fixture_unit, args, now)
        self.units: dict[int, Unit] = {self.feeder.unit_id: self.feeder, self.fixture.unit_id: self.fixture}
        self.busy_next = 0
        self.busy_every = 0
        self.busy_answers = 0
        self.silent_next = 0
        self.garbage_next = 0
        self.wrong_tid_next = 0
        self.misbehaved = 0
        self.slow_ms = 0
        self.drop_after: tuple[int, int] | None = None  # (unit id, coil address)
        self.drop_after_name: str | None = None
        self.connections: set[PeerRequestHandler] = set()
        self.requests = 0
        self.dropped = 0
        self.server: PeerServer | None = None

    # -- datastore glue --

    async def start(self, port: int) -> int:
        devices = [build_device(u) for u in self.units.values()]
        self.server = PeerServer(self, devices, port)
        await self.server.serve_forever(background=True)
        await self.scan()
        return self.server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def scan(self) -> None:
        """One PLC scan: read the robot's coils and PROGRAM, apply the rules, write the outputs.
        Nothing here suspends (the SimDevice has no action), so a scan is atomic."""
        assert self.server
        now = time.monotonic()
        for unit in self.units.values():
            uid = unit.unit_id
            coils = await self.server.async_getValues(uid, FC_READ_COILS, 0, len(unit.coil_names))
            holding: list[int] = []
            if unit.hr_names:
                holding = await self.server.async_getValues(uid, FC_READ_HR, 0, len(unit.hr_names))
            unit.step(now, coils[: len(unit.coil_names)], holding)
            di, ir = unit.outputs()
            await self.server.async_setValues(uid, FC_READ_DI, 0, di)
            await self.server.async_setValues(uid, FC_READ_IR, 0, ir)

    async def scan_loop(self) -> None:
        period = self.args.scan_ms / 1000.0
        while True:
            await self.scan()
            await asyncio.sleep(period)

    async def tags(self) -> dict[str, dict[str, int]]:
        assert self.server
        out: dict[str, dict[str, int]] = {}
        for unit in self.units.values():
            tags: dict[str, int] = {}
            for fc, names in ((FC_READ_COILS, unit.coil_names), (FC_READ_DI, unit.di_names),
                              (FC_READ_HR, unit.hr_names), (FC_READ_IR, unit.ir_names)):
                if names:
                    values = await self.server.async_getValues(unit.unit_id, fc, 0, len(names))
                    tags.update({n: int(v) for n, v in zip(names, values)})
            out[unit.name] = tags
        return out

    # -- requests --

    @staticmethod
    def _validate(unit: Unit, fc: int, data: bytes) -> ExcCodes | None:
        """Modbus spec order: function code (1), quantity/value/length (3), address (2)."""
        sizes = {
            FC_READ_COILS: len(unit.coil_names), FC_READ_DI: len(unit.di_names),
            FC_READ_HR: len(unit.hr_names), FC_READ_IR: len(unit.ir_names),
            FC_WRITE_COIL: len(unit.coil_names), FC_WRITE_COILS: len(unit.coil_names),
            FC_WRITE_REG: len(unit.hr_names), FC_WRITE_REGS: len(unit.hr_names),
        }
        if fc not in sizes:
            return ExcCodes.ILLEGAL_FUNCTION
        size = sizes[fc]
        if fc in READ_LIMITS:
            if len(data) != 4:
                return ExcCodes.ILLEGAL_VALUE
            address, quantity = struct.unpack(">HH", data)
            if not 1 <= quantity <= READ_LIMITS[fc]:
                return ExcCodes.ILLEGAL_VALUE
            return ExcCodes.ILLEGAL_ADDRESS if address + quantity > size else None
        if fc in (FC_WRITE_COIL, FC_WRITE_REG):
            if len(data) != 4:
                return ExcCodes.ILLEGAL_VALUE
            address, value = struct.unpack(">HH", data)
            if fc == FC_WRITE_COIL and value not in WRITE_COIL_VALUES:
                return ExcCodes.ILLEGAL_VALUE
            if address >= size:
                return ExcCodes.ILLEGAL_ADDRESS
            return unit.check_registers(address, [value]) if fc == FC_WRITE_REG else None
        # FC 15 / 16
        if len(data) < 5:
            return ExcCodes.ILLEGAL_VALUE
        address, quantity, byte_count = struct.unpack(">HHB", data[:5])
        limit, needed = (1968, (quantity + 7) // 8) if fc == FC_WRITE_COILS else (123, quantity * 2)
        if not 1 <= quantity <= limit or byte_count != needed or len(data) != 5 + byte_count:
            return ExcCodes.ILLEGAL_VALUE
        if address + quantity > size:
            return ExcCodes.ILLEGAL_ADDRESS
        if fc == FC_WRITE_REGS:
            values = struct.unpack(f">{quantity}H", data[5:])
            return unit.check_registers(address, values)
        return None

    async def execute(self, handler: PeerRequestHandler, dev_id: int, pdu_bytes: bytes
                      ) -> tuple[ModbusPDU, bool]:
        """Answer one request: (response, close the connection instead of answering)."""
        assert self.server
        self.requests += 1
        fc = pdu_bytes[0]
        if self.busy_next > 0 or (self.busy_every > 0 and self.requests % self.busy_every == 0):
            self.busy_next = max(0, self.busy_next - 1)
            self.busy_answers += 1
            return ExceptionResponse(fc, ExcCodes.DEVICE_BUSY, device_id=dev_id), False
        unit = self.units.get(dev_id)
        if unit is None:
            # MAP: silent on unit ids; two units behind one port behave like a gateway.
            return ExceptionResponse(fc, ExcCodes.GATEWAY_NO_RESPONSE, device_id=dev_id), False
        if (exc := self._validate(unit, fc, pdu_bytes[1:])) is not None:
            return ExceptionResponse(fc, exc, device_id=dev_id), False
        request = handler.framer.decoder.decode(pdu_bytes)
        if request is None:
            return ExceptionResponse(fc, ExcCodes.ILLEGAL_VALUE, device_id=dev_id), False
        request.dev_id = dev_id
        response = await request.datastore_update(self.server.context, dev_id)  # type: ignore[arg-type]
        drop = False
        if fc in (FC_WRITE_COIL, FC_WRITE_COILS, FC_WRITE_REG, FC_WRITE_REGS):
            await self.scan()  # no edge written by the robot is missed between two scans
            if self.drop_after and self.drop_after[0] == dev_id and fc in (FC_WRITE_COIL, FC_WRITE_COILS):
                offset = self.drop_after[1] - request.address
                if 0 <= offset < len(request.bits) and request.bits[offset]:
                    log.info("drop_after %s: closing the connection", self.drop_after_name)
                    self.drop_after = self.drop_after_name = None
                    drop = True
        return response, drop

    # -- control channel --

    def _coil_by_name(self, name: str) -> tuple[int, int]:
        name = name.strip().upper()
        scope, _, tag = name.rpartition(".")
        hits = []
        for unit in self.units.values():
            if scope and scope != unit.name.upper():
                continue
            if tag in unit.coil_names:
                hits.append((unit.unit_id, unit.coil_names.index(tag)))
        if len(hits) != 1:
            raise ValueError(f"drop_after: {name.lower()!r} is {'ambiguous' if hits else 'not a coil'}"
                             " (use e.g. fasten_start or feeder.heartbeat)")
        return hits[0]

    async def control(self, command: Any) -> dict[str, Any]:
        if not isinstance(command, dict) or not command:
            raise ValueError("expected a non-empty JSON object")
        actions = []

        def flag(key: str) -> bool:
            value = command[key]
            if isinstance(value, bool) or value in (0, 1):
                return bool(value)
            raise ValueError(f"{key}: expected true/false or 0/1")

        def count(key: str, high: int = 1 << 31) -> int:
            value = command[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
                raise ValueError(f"{key}: expected an integer 0..{high}")
            return value

        device = command.get("device", "both")
        if device not in ("both", "feeder", "fixture"):
            raise ValueError("device: expected feeder, fixture or both")
        for key in command:
            if key in ("estop_ok", "estop"):
                ok = flag(key)
                targets = [u for u in self.units.values() if device in ("both", u.name)]
                actions.append(lambda ok=ok, t=targets: [setattr(u, "estop_ok", ok) for u in t])
            elif key == "device":
                if not {"estop_ok", "estop"} & command.keys():
                    raise ValueError("device: only used with estop_ok")
            elif key == "hopper":
                n = count(key, 0xFFFF)
                actions.append(lambda n=n: setattr(self.feeder, "parts_remaining", n))
            elif key == "jam":
                v = flag(key)
                actions.append(lambda v=v: setattr(self.feeder, "jam", v))
            elif key == "result":
                r = command[key]
                if r not in RESULTS:
                    raise ValueError(f"result: expected one of {', '.join(RESULTS)}")
                actions.append(lambda r=r: setattr(self.fixture, "result", r))
            elif key == "nut_seated":
                v = flag(key)
                actions.append(lambda v=v: setattr(self.fixture, "nut_seated", v))
            elif key == "busy_next":
                n = count(key)
                actions.append(lambda n=n: setattr(self, "busy_next", n))
            elif key in ("silent_next", "garbage_next", "wrong_tid_next"):
                n = count(key)
                actions.append(lambda n=n, key=key: setattr(self, key, n))
            elif key == "busy_every":
                n = count(key)
                actions.append(lambda n=n: setattr(self, "busy_every", n))
            elif key == "slow_ms":
                n = count(key, 600_000)
                actions.append(lambda n=n: setattr(self, "slow_ms", n))
            elif key == "drop_after":
                name = command[key]
                if name is None or name == "":
                    actions.append(lambda: (setattr(self, "drop_after", None),
                                            setattr(self, "drop_after_name", None)))
                elif isinstance(name, str):
                    target = self._coil_by_name(name)
                    actions.append(lambda t=target, n=name: (setattr(self, "drop_after", t),
                                                             setattr(self, "drop_after_name", n)))
                else:
                    raise ValueError("drop_after: expected a coil name or null")
            elif key == "drop_now":
                if flag(key):
                    actions.append(lambda: [h.drop() for h in list(self.connections)])
            elif key == "stuck_part_present":
                v = flag(key)
                actions.append(lambda v=v: setattr(self.feeder, "stuck", v))
            elif key == "get":
                if command[key] != "state":
                    raise ValueError('get: only "state"')
            else:
                raise ValueError(f"unknown command {key!r}")
        for action in actions:
            action()
        await self.scan()  # apply at once, so the next Modbus read already sees it
        log.info("control: %s", json.dumps(command))
        reply: dict[str, Any] = {"ok": True}
        if "get" in command:
            reply.update(await self.tags())
            reply["internal"] = {u.name: u.internal() for u in self.units.values()}
            reply["peer"] = {
                "modbus_connections": len(self.connections), "requests": self.requests,
                "dropped": self.dropped, "busy_next": self.busy_next,
                "busy_every": self.busy_every, "busy_answers": self.busy_answers,
                "silent_next": self.silent_next, "garbage_next": self.garbage_next,
                "wrong_tid_next": self.wrong_tid_next, "misbehaved": self.misbehaved, "slow_ms": self.slow_ms,
                "drop_after": self.drop_after_name,
                "units": {u.name: u.unit_id for u in self.units.values()},
            }
        return reply

    async def serve_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                if not line.strip():
                    continue
                try:
                    reply = await self.control(json.loads(line))
                except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
                    reply = {"ok": False, "error": str(exc)}
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


# --- main ---------------------------------------------------------------------------------------------


def _bounded(name: str, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not 0 <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be 0..{high} (the map's limit)")
        return value
    return parse


def _unit_id(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 247:
        raise argparse.ArgumentTypeError("unit ids are 1..247")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Cell PLC (feeder + fixture) on Modbus TCP, per docs/plc-io-map.md revision 1.",
        epilog=CONTROL_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=_bounded("--port", 65535), default=0,
                   help="Modbus TCP port on 127.0.0.1 (0 = pick a free one; default 0)")
    p.add_argument("--control-port", type=_bounded("--control-port", 65535), default=0,
                   help="JSON-lines control port on 127.0.0.1 (0 = pick; default 0)")
    p.add_argument("--feeder-unit", type=_unit_id, default=1)
    p.add_argument("--fixture-unit", type=_unit_id, default=2)
    p.add_argument("--hopper", type=_bounded("--hopper", 0xFFFF), default=200,
                   help="initial PARTS_REMAINING (default 200)")
    p.add_argument("--present-ms", type=_bounded("--present-ms", MAX_PRESENT_MS), default=1500,
                   help="FEED_REQUEST to PART_PRESENT (default 1500, max 5000)")
    p.add_argument("--clamp-ms", type=_bounded("--clamp-ms", MAX_CLAMP_MS), default=300,
                   help="CLAMP_REQUEST to CLAMPED (default 300, max 2000)")
    p.add_argument("--fasten-ms", type=_bounded("--fasten-ms", MAX_FASTEN_MS), default=3000,
                   help="FASTEN_START to FASTEN_DONE (default 3000, max 8000)")
    p.add_argument("--nut-seated", type=int, choices=(0, 1), default=1,
                   help="NUT_SEATED (there is no robot; default 1)")
    p.add_argument("--result", choices=tuple(RESULTS), default="ok", help="tightening outcome")
    p.add_argument("--heartbeat-timeout-ms", type=int, default=1000,
                   help="HEARTBEAT watchdog (default 1000, the map's 1 s)")
    p.add_argument("--require-heartbeat", action="store_true",
                   help="arm the watchdog at start instead of at the first toggle")
    p.add_argument("--count-on", choices=("presented", "taken"), default="presented",
                   help="when PARTS_REMAINING/PARTS_FED move (default presented)")
    p.add_argument("--scan-ms", type=float, default=5.0, help="PLC scan period (default 5)")
    p.add_argument("-v", "--verbose", action="store_true", help="log PLC events on stderr")
    args = p.parse_args(argv)
    if args.feeder_unit == args.fixture_unit:
        p.error("--feeder-unit and --fixture-unit must differ")
    if args.heartbeat_timeout_ms <= 0:
        p.error("--heartbeat-timeout-ms must be > 0")
    if args.scan_ms <= 0:
        p.error("--scan-ms must be > 0")
    return args


async def run(args: argparse.Namespace) -> int:
    plc = PlcPeer(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    modbus_port = await plc.start(args.port)
    control = await asyncio.start_server(plc.serve_control, HOST, args.control_port)
    control_port = control.sockets[0].getsockname()[1]
    scanner = asyncio.create_task(plc.scan_loop(), name="plc_peer scan")
    print(f"READY {modbus_port} {control_port}", flush=True)
    log.info("feeder unit %d, fixture unit %d", args.feeder_unit, args.fixture_unit)
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({stopped, scanner}, return_when=asyncio.FIRST_COMPLETED)
    scanner.cancel()
    control.close()
    assert plc.server
    await plc.server.shutdown()
    if scanner in done and not scanner.cancelled() and scanner.exception():
        log.error("scan loop failed: %r", scanner.exception())
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, format="plc_peer: %(message)s",
                        level=logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("pymodbus").setLevel(logging.INFO if args.verbose else logging.WARNING)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
