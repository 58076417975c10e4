// Browser notifications, opt-in: only after the person asks for them (a button), and only while
// the page is hidden (a visible page shows the approval itself).
const KEY = 'claude-agent-notify'

export const notificationsSupported = (): boolean => typeof Notification !== 'undefined'
export const notificationsOn = (): boolean =>
  notificationsSupported() && Notification.permission === 'granted' && localStorage.getItem(KEY) === 'on'

export async function enableNotifications(): Promise<boolean> {
  if (!notificationsSupported()) return false
  const permission = await Notification.requestPermission()
  localStorage.setItem(KEY, permission === 'granted' ? 'on' : 'off')
  return permission === 'granted'
}

export const disableNotifications = (): void => localStorage.setItem(KEY, 'off')

export function notify(title: string, body: string): void {
  if (notificationsOn() && document.visibilityState === 'hidden') new Notification(title, { body })
}
