// Benchmark codec for the Netvox R718H, written for Grand Poitiers in the plain ES5 style of the
// TTN Device Repository's Netvox codecs (decodeUplink, lookup tables, byte arithmetic). It gives the
// same measurements as the native decoder once mapped with netvox-r718h.mapping.json.
function getCfgCmd(cfgcmd){
  var cfgcmdlist = {
    1:   "ConfigReportReq",
    129: "ConfigReportRsp",
    2:   "ReadConfigReportReq",
    130: "ReadConfigReportRsp",
    3:   "SetFiltertimeReq",
    131: "SetFiltertimeRsp",
    4:   "GetFiltertimeReq",
    132: "GetFiltertimeRsp",
    5:   "ClearCountReq",
    133: "ClearCountRsp",
    6:   "SetCountRollOverReq",
    134: "SetCountRollOverRsp"
  };
  return cfgcmdlist[cfgcmd];
}

function getDeviceName(dev){
  var deviceName = {
    31: "R718H"
  };
  return deviceName[dev];
}

function padLeft(str, len) {
  str = '' + str;
  while (str.length < len) {
    str = "0" + str;
  }
  return str;
}

function decodeUplink(input) {
  var data = {};
  var bytes = input.bytes;
  if (bytes.length < 11) {
    return { errors: ['frame too short'] };
  }
  switch (input.fPort) {
    case 6:
      data.Device = getDeviceName(bytes[1]);
      if (bytes[2] === 0x00) {
        data.SWver = bytes[3] / 10;
        data.HWver = bytes[4];
        data.Datecode = padLeft(bytes[5].toString(16), 2) + padLeft(bytes[6].toString(16), 2) + padLeft(bytes[7].toString(16), 2) + padLeft(bytes[8].toString(16), 2);
      } else if (bytes[2] === 0x01) {
        if (bytes[3] & 0x80) {
          data.Volt = (bytes[3] & 0x7F) / 10;
          data.LowBattery = true;
        } else {
          data.Volt = bytes[3] / 10;
        }
        data.PulseCount = (bytes[4] << 8) | bytes[5];
      } else {
        return { errors: ['unknown report type'] };
      }
      break;
    case 7:
      data.Cmd = getCfgCmd(bytes[0]);
      data.Device = getDeviceName(bytes[1]);
      if (bytes[0] === 0x82) {
        data.MinTime = (bytes[2] << 8) | bytes[3];
        data.MaxTime = (bytes[4] << 8) | bytes[5];
        data.BatteryChange = bytes[6] / 10;
      } else if (bytes[0] === 0x84) {
        data.FilterTime = bytes[2];
      } else if (bytes[0] === 0x86) {
        data.RollOver = bytes[2];
      } else {
        data.Status = (bytes[2] === 0x00) ? 'Success' : 'Failure';
      }
      break;
    default:
      return { errors: ['unknown FPort'] };
  }
  return { data: data };
}
