// Proximity evidence for the phone (IETF OAuth cross-device BCP §6.1.x): where the browser that
// shows the QR code is, as seen by the server, next to where the phone answering it is. A relayed
// QR code (the attacker's browser, the victim's phone) usually shows two different networks.
// Networks are compared as IPv4 addresses or IPv6 /64s: behind one home or office NAT, or on one
// IPv6 subnet, both devices show the same. Pure.
import { networkOf } from '../http/ip.ts';

export type Proximity = { browser_ip: string; device_ip: string; same_network: boolean };

export function proximity(browserIp: string, deviceIp: string): Proximity {
  return { browser_ip: browserIp, device_ip: deviceIp, same_network: networkOf(browserIp) === networkOf(deviceIp) };
}
