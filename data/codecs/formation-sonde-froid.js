// Codec of the training course's cold-room probe (lesson 3 of examples/), written for Grand Poitiers
// in the convention vendors use for The Things Network and ChirpStack v4: a plain ES5 function
// decodeUplink(input) that returns { data, warnings } or { errors }. The probe is fictitious: this is
// what a vendor's file looks like, so that trainees can add a sensor the native decoders do not know.
//
// Frame on fPort 10 (7 bytes, big-endian):
//   byte 0     frame type, 0x01 = periodic report
//   bytes 1-2  temperature, signed, in 0.1 degC
//   byte 3     relative humidity, in 0.5 %
//   bytes 4-5  battery voltage, in mV
//   byte 6     flags: bit 0 temperature above the alarm threshold, bit 1 below it, bit 2 door open
// Frame on fPort 20 (3 bytes): 0x02, then the alarm threshold, signed, in 0.1 degC.

function int16(hi, lo) {
  var value = (hi << 8) | lo;
  return value > 0x7fff ? value - 0x10000 : value;
}

function decodeReport(bytes) {
  if (bytes.length < 7) {
    return { errors: ['report too short: 7 bytes expected, got ' + bytes.length] };
  }
  if (bytes[0] !== 0x01) {
    return { errors: ['unknown frame type 0x' + bytes[0].toString(16) + ' on port 10'] };
  }
  var flags = bytes[6];
  var data = {
    temperature_c: int16(bytes[1], bytes[2]) / 10,
    humidity_pct: bytes[3] / 2,
    battery_mv: (bytes[4] << 8) | bytes[5],
    alarms: {
      high_temperature: (flags & 0x01) !== 0,
      low_temperature: (flags & 0x02) !== 0,
      door_open: (flags & 0x04) !== 0
    }
  };
  var warnings = [];
  if (data.battery_mv < 3000) warnings.push('battery low: ' + data.battery_mv + ' mV');
  if (data.humidity_pct > 100) warnings.push('humidity out of range: ' + data.humidity_pct + ' %');
  return { data: data, warnings: warnings };
}

function decodeSettings(bytes) {
  if (bytes.length < 3 || bytes[0] !== 0x02) {
    return { errors: ['settings frame: 0x02 and 2 bytes of threshold expected'] };
  }
  return { data: { alarm_threshold_c: int16(bytes[1], bytes[2]) / 10 } };
}

function decodeUplink(input) {
  switch (input.fPort) {
    case 10:
      return decodeReport(input.bytes);
    case 20:
      return decodeSettings(input.bytes);
    default:
      return { errors: ['unknown fPort ' + input.fPort] };
  }
}
