// Benchmark codec for Watteco (nke Watteco) "standard report" frames on fPort 125, written for Grand
// Poitiers in the plain ES5 style of vendor codecs (decodeUplink, a switch on cluster and attribute,
// big-endian byte arithmetic). Our own code, from the public ZCL-like frame description. It covers
// the reports the sample fleet's Pulse Sens'O and Vaqa'O Lite send: pulse counter of an input
// (cluster 0x000F, attribute 0x0402, uint32), temperature (cluster 0x0402, int16 hundredths of °C)
// and relative humidity (cluster 0x0405, uint16 hundredths of %). It gives the same measurements as
// the native decoders once mapped with watteco-standard-report.mapping.json.
function u16(bytes, i) {
  return (bytes[i] << 8) | bytes[i + 1];
}

function u32(bytes, i) {
  return bytes[i] * 16777216 + ((bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]);
}

function decodeUplink(input) {
  var bytes = input.bytes;
  if (input.fPort !== 125) return { errors: ['unknown FPort'] };
  if (bytes.length < 7) return { errors: ['frame too short'] };
  var fc = bytes[0];
  if (!(fc & 0x01)) return { errors: ['batch reports are not handled by this codec'] };
  var endpoint = (fc >> 5) | ((fc & 0x06) << 2);
  var command = bytes[1];
  if (command !== 0x0A) return { errors: ['only standard reports (0x0A) are handled by this codec'] };
  var cluster = u16(bytes, 2);
  var attribute = u16(bytes, 4);
  var data = { endpoint: endpoint };
  if (cluster === 0x000F && attribute === 0x0402) {
    if (bytes.length < 11) return { errors: ['frame too short'] };
    data.pulse_counter = {};
    data.pulse_counter['input_' + (endpoint + 1)] = u32(bytes, 7);
  } else if (cluster === 0x0402 && attribute === 0x0000) {
    if (bytes.length < 9) return { errors: ['frame too short'] };
    var t = u16(bytes, 7);
    if (t > 32767) t -= 65536;
    data.temperature = t / 100;
  } else if (cluster === 0x0405 && attribute === 0x0000) {
    if (bytes.length < 9) return { errors: ['frame too short'] };
    data.humidity = u16(bytes, 7) / 100;
  } else {
    return { errors: ['report not handled by this codec'] };
  }
  return { data: data };
}
