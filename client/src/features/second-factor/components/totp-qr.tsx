// The otpauth:// URI as a QR code for the authenticator app to scan. Its own module, loaded only
// when an enrolment starts (React.lazy in security-settings.tsx): the QR library stays out of the
// Security page's first load. Black on white with a quiet zone, as scanners expect, whatever the
// page's colour scheme. Its accessible name says what it is, never the secret it holds.
import { QRCodeSVG } from 'qrcode.react';

export default function TotpQr({ uri }: { uri: string }) {
  return (
    <QRCodeSVG
      value={uri}
      size={176}
      level="M"
      marginSize={4}
      bgColor="#ffffff"
      fgColor="#000000"
      role="img"
      aria-label="QR code for your authenticator app to scan"
      className="totp-qr"
    />
  );
}
