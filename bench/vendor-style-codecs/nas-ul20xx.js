// Benchmark codec for the NAS UL20xx luminaire controller (firmware 1.1.x), status (fPort 23) and
// usage (fPort 26) frames only, written for Grand Poitiers in the plain ES5 style of vendor codecs
// (decodeUplink, lookup tables, byte arithmetic, little-endian). Our own code, from the public payload
// documentation (docs.nasys.no/en/lcu/payloads). It gives the same measurements as the native decoder
// once mapped with nas-ul20xx.mapping.json; values are keyed by address name (dali_broadcast,
// dali_single_N, ...) because a mapping row has a fixed channel.
function u16(bytes, i) {
  return bytes[i] | (bytes[i + 1] << 8);
}

function u32(bytes, i) {
  return (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16)) + bytes[i + 3] * 16777216;
}

function s8(b) {
  return b > 127 ? b - 256 : b;
}

function addressName(a) {
  if (a === 0x01) return 'analog_0_10v';
  if (a === 0xFE) return 'dali_broadcast';
  if (a === 0xFF) return 'all';
  if (a & 0x01) return 'invalid';
  if (a & 0x80) return 'dali_group_' + ((a >> 1) & 0x0F);
  return 'dali_single_' + ((a >> 1) & 0x3F);
}

function lightLux(raw) {
  if (raw === 0xFFFF) return null;
  var lx = Math.pow(10, (raw & 0x7FFF) / 4000) / 1000;
  var log = Math.log(lx) / Math.LN10;
  var decimals = 3 - Math.floor(Math.min(3, Math.max(0, log)));
  var f = Math.pow(10, decimals);
  return Math.round(lx * f) / f;
}

var DALI_ALARMS = ['driver_error', 'lamp_failure', null, 'limit_error', null, 'reset_state', null, 'power_failure'];
var ALERTS_24H = ['voltage_alert_in_24h', 'lamp_error_alert_in_24h', 'power_alert_in_24h', 'power_factor_alert_in_24h'];

function decodeStatus(bytes) {
  var data = { packet_type: 'status_packet', alarms: {} };
  var header = bytes[0];
  if (header !== 0x00 && header !== 0x01) return { errors: ['unknown status header'] };
  var legacy = header === 0x00;
  var i = 1;
  if (bytes.length < (legacy ? 10 : 12)) return { errors: ['status packet too short'] };
  var epoch = u32(bytes, i); i += 4;
  if (epoch < 1420070400) data.alarms.invalid_timestamp = true;
  else data.device_unix_epoch = epoch;
  var s1 = bytes[i++];
  if (s1 & 0x02) data.alarms.dali_connection_error = true;
  if (s1 & 0x20) data.alarms.metering_com_error = true;
  if (s1 & 0x40) data.alarms.ext_rtc_warning = true;
  data.internal_relay_closed = (s1 & 0x80) ? 1 : 0;
  if (!legacy) data.status2 = bytes[i++];
  data.downlink_rssi__dbm = -bytes[i++];
  data.downlink_snr__db = s8(bytes[i++]);
  data.mcu_temperature__C = s8(bytes[i++]);
  var alerts = true;
  if (legacy) {
    var reported = bytes[i++];
    alerts = (reported & 0x10) !== 0;
    if (reported & 0x02) data.ldr_input_value = bytes[i++];
  }
  if (alerts) {
    var a = bytes[i++];
    for (var b = 0; b < 4; b++) {
      if (a & (1 << (b + 4))) data.alarms[ALERTS_24H[b]] = true;
    }
  }
  if (!legacy) {
    var len = bytes[i++];
    var end = i + len;
    if (end > bytes.length) return { errors: ['sensor sources too short'] };
    while (i < end) {
      var type = bytes[i++];
      if (type === 0x01) {
        data.ldr_input_value = bytes[i++];
      } else if (type === 0x02 || type === 0x03) {
        var lx = lightLux(u16(bytes, i)); i += 2;
        if (lx !== null) {
          if (type === 0x02) data.light_sensor__lx = lx;
          else data.d4i_light_sensor__lx = lx;
        }
      } else if (type === 0x04) {
        data.dig_input_1_on = (bytes[i++] & 0x01) !== 0;
      } else if (type === 0x08) {
        data.tilt__deg = bytes[i++];
      } else {
        i = end;
      }
    }
  }
  data.dimming_level__percent = {};
  data.dimming_reason = {};
  while (i < bytes.length) {
    if (i + 4 > bytes.length) return { errors: ['dimming source too short'] };
    var name = addressName(bytes[i]);
    var level = bytes[i + 2];
    var dali = bytes[i + 3];
    data.dimming_reason[name] = bytes[i + 1];
    if (level !== 0xFF) {
      if (level > 100) return { errors: ['dimming level out of range'] };
      data.dimming_level__percent[name] = level;
    }
    if (dali !== 0xFF) {
      for (var bit = 0; bit < 8; bit++) {
        if (DALI_ALARMS[bit] && (dali & (1 << bit))) data.alarms[DALI_ALARMS[bit]] = true;
      }
    }
    i += 4;
  }
  return { data: data };
}

function decodeUsage(bytes) {
  if (bytes[0] !== 0x00) return { errors: ['unknown usage header'] };
  var data = { packet_type: 'usage_packet', usage: {} };
  var i = 1;
  while (i < bytes.length) {
    if (i + 2 > bytes.length) return { errors: ['usage entry too short'] };
    var address = bytes[i++];
    var mask = bytes[i++];
    var entry = {};
    var need = 0;
    if (mask & 0x01) need += 4;
    if (mask & 0x02) need += 2;
    if (mask & 0x04) need += 4;
    if (mask & 0x08) need += 2;
    if (mask & 0x10) need += 1;
    if (mask & 0x20) need += 1;
    if (mask & 0x40) need += 4;
    if (mask & 0x80) need += 4;
    if (i + need > bytes.length) return { errors: ['usage entry too short'] };
    if (mask & 0x01) { entry.active_energy__Wh = u32(bytes, i); i += 4; }
    if (mask & 0x02) { entry.active_power__W = u16(bytes, i); i += 2; }
    if (mask & 0x04) { entry.load_side_energy__Wh = u32(bytes, i); i += 4; }
    if (mask & 0x08) { entry.load_side_power__W = u16(bytes, i); i += 2; }
    if (mask & 0x10) {
      var pf = bytes[i++];
      if (pf !== 0xFF) {
        if (pf > 100) return { errors: ['power factor out of range'] };
        entry.power_factor = pf / 100;
      }
    }
    if (mask & 0x20) { entry.mains_voltage__V = bytes[i++]; }
    if (mask & 0x40) { entry.driver_operating_time__h = u32(bytes, i) / 3600; i += 4; }
    if (mask & 0x80) { entry.lamp_on_time__h = u32(bytes, i) / 3600; i += 4; }
    data.usage[address === 0xFF ? 'internal_measurement' : addressName(address)] = entry;
  }
  return { data: data };
}

function decodeUplink(input) {
  var bytes = input.bytes;
  if (bytes.length < 1) return { errors: ['empty frame'] };
  switch (input.fPort) {
    case 23:
      return decodeStatus(bytes);
    case 26:
      return decodeUsage(bytes);
    default:
      return { errors: ['fPort not handled by this benchmark codec'] };
  }
}
