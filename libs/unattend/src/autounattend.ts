import type { UnattendSettings } from '@infra/config';
import { comment, element } from './xml';

/**
 * The answer file Windows Setup reads from the root of any attached drive (`autounattend.xml`): it loads the
 * VirtIO storage and network drivers from the drivers ISO, wipes disk 0 into a UEFI layout, installs the
 * configured image, sets the locale and time zone, and logs the Administrator on once to run the setup script
 * (`infra-setup.ps1`, on the same answer-file CD) that opens the build's remote channel (WinRM or OpenSSH).
 * Pure: the same input gives the same bytes.
 */
export interface AnswerFileInput {
  settings: UnattendSettings;
  /** The build's one-time Administrator password (cloudbase-init sets the real one on each clone). */
  adminPassword: string;
  /** Where the settings came from, for the header, e.g. `infra.config.yaml images.windows.unattend`. */
  generatedFrom: string;
}

/** The script the first logon runs, looked for at the root of each CD drive. */
export const SETUP_SCRIPT = 'infra-setup.ps1';
/** Drivers Setup loads from the VirtIO ISO: SCSI (the system disk), block, network, balloon, serial (guest agent). */
export const VIRTIO_DRIVERS = ['vioscsi', 'viostor', 'NetKVM', 'Balloon', 'vioserial'] as const;
/** Which letter the drivers ISO gets depends on the order Setup finds the CDs, so every plausible one is listed. */
export const DRIVE_LETTERS = ['D', 'E', 'F', 'G'] as const;

const COMPONENT =
  'processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"';
const component = (name: string, content: string[]) =>
  element('component', content, `name="${name}" ${COMPONENT}`);

export function driverPaths(release: string): string[] {
  return DRIVE_LETTERS.flatMap((letter) =>
    VIRTIO_DRIVERS.map((driver) => `${letter}:\\${driver}\\${release}\\amd64`),
  );
}

function locales(settings: UnattendSettings, withSetupLanguage: boolean): string[] {
  return [
    ...(withSetupLanguage ? element('SetupUILanguage', element('UILanguage', settings.locale)) : []),
    ...element('InputLocale', settings.keyboard),
    ...element('SystemLocale', settings.locale),
    ...element('UILanguage', settings.locale),
    ...element('UserLocale', settings.locale),
  ];
}

function windowsPE(settings: UnattendSettings): string[] {
  const paths = driverPaths(settings.driverRelease).flatMap((path, index) =>
    element('PathAndCredentials', element('Path', path), `wcm:action="add" wcm:keyValue="${index + 1}"`),
  );
  const partition = (order: number, type: string, size?: number) =>
    element(
      'CreatePartition',
      [
        ...element('Order', String(order)),
        ...element('Type', type),
        ...(size ? element('Size', String(size)) : element('Extend', 'true')),
      ],
      'wcm:action="add"',
    );
  const format = (order: number, id: number, fields: [string, string][]) =>
    element(
      'ModifyPartition',
      [
        ...element('Order', String(order)),
        ...element('PartitionID', String(id)),
        ...fields.flatMap(([k, v]) => element(k, v)),
      ],
      'wcm:action="add"',
    );
  return element(
    'settings',
    [
      ...component('Microsoft-Windows-International-Core-WinPE', locales(settings, true)),
      ...component('Microsoft-Windows-PnpCustomizationsWinPE', element('DriverPaths', paths)),
      ...component('Microsoft-Windows-Setup', [
        ...element('DiskConfiguration', [
          ...element(
            'Disk',
            [
              ...element('DiskID', '0'),
              ...element('WillWipeDisk', 'true'),
              ...element('CreatePartitions', [
                ...partition(1, 'EFI', 260),
                ...partition(2, 'MSR', 16),
                ...partition(3, 'Primary'),
              ]),
              ...element('ModifyPartitions', [
                ...format(1, 1, [
                  ['Format', 'FAT32'],
                  ['Label', 'System'],
                ]),
                ...format(2, 3, [
                  ['Format', 'NTFS'],
                  ['Label', 'Windows'],
                  ['Letter', 'C'],
                ]),
              ]),
            ],
            'wcm:action="add"',
          ),
        ]),
        ...element('ImageInstall', [
          ...element('OSImage', [
            ...element('InstallFrom', [
              ...element(
                'MetaData',
                [...element('Key', '/IMAGE/NAME'), ...element('Value', settings.imageName)],
                'wcm:action="add"',
              ),
            ]),
            ...element('InstallTo', [...element('DiskID', '0'), ...element('PartitionID', '3')]),
          ]),
        ]),
        ...element('UserData', [
          ...element('AcceptEula', 'true'),
          ...element('FullName', 'infra'),
          ...element('Organization', 'infra'),
        ]),
      ]),
    ],
    'pass="windowsPE"',
  );
}

function specialize(settings: UnattendSettings): string[] {
  return element(
    'settings',
    [
      ...component('Microsoft-Windows-Shell-Setup', [
        ...element('ComputerName', '*'),
        ...element('TimeZone', settings.timeZone),
      ]),
    ],
    'pass="specialize"',
  );
}

function oobeSystem(input: AnswerFileInput): string[] {
  const { settings, adminPassword } = input;
  const password = (value: string) => [...element('Value', value), ...element('PlainText', 'true')];
  const runSetup = `cmd.exe /c for %d in (${DRIVE_LETTERS.join(' ')} H) do if exist %d:\\${SETUP_SCRIPT} powershell.exe -NoProfile -ExecutionPolicy Bypass -File %d:\\${SETUP_SCRIPT} -Communicator ${settings.communicator}`;
  return element(
    'settings',
    [
      ...component('Microsoft-Windows-International-Core', locales(settings, false)),
      ...component('Microsoft-Windows-Shell-Setup', [
        ...element('TimeZone', settings.timeZone),
        ...element('OOBE', [
          ...element('HideEULAPage', 'true'),
          ...element('HideLocalAccountScreen', 'true'),
          ...element('HideOEMRegistrationScreen', 'true'),
          ...element('HideOnlineAccountScreens', 'true'),
          ...element('HideWirelessSetupInOOBE', 'true'),
          ...element('ProtectYourPC', '3'),
        ]),
        ...element('UserAccounts', element('AdministratorPassword', password(adminPassword))),
        ...element('AutoLogon', [
          ...element('Enabled', 'true'),
          ...element('Username', 'Administrator'),
          ...element('Password', password(adminPassword)),
          ...element('LogonCount', '1'),
        ]),
        ...element('FirstLogonCommands', [
          ...element(
            'SynchronousCommand',
            [
              ...element('Order', '1'),
              ...element('CommandLine', runSetup),
              ...element(
                'Description',
                `Open ${settings.communicator === 'ssh' ? 'OpenSSH' : 'WinRM'} for the Packer build`,
              ),
              ...element('RequiresUserInput', 'false'),
            ],
            'wcm:action="add"',
          ),
        ]),
      ]),
    ],
    'pass="oobeSystem"',
  );
}

export function renderAutounattend(input: AnswerFileInput): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    comment(
      `Generated by @infra/unattend (libs/unattend) from ${input.generatedFrom}. Do not edit: the build renders it again.`,
    ),
    ...element(
      'unattend',
      [...windowsPE(input.settings), ...specialize(input.settings), ...oobeSystem(input)],
      'xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State"',
    ),
  ];
  return `${lines.join('\n')}\n`;
}
