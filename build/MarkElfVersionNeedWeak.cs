using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Sets VER_FLG_WEAK on the ELF64 version-need entry (.gnu.version_r) with the given name, so the dynamic
/// loader warns instead of failing when that library version is missing. The file is rewritten through a
/// temporary copy and a rename, so a hard-linked original (e.g. in the NuGet cache) is never modified.
/// </summary>
public sealed class MarkElfVersionNeedWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            var bytes = File.ReadAllBytes(path);
            var result = MarkWeak(bytes);
            if (result == null)
            {
                Log.LogMessage(MessageImportance.Low, $"{path}: no version need named {VersionName}.");
                continue;
            }
            if (result == false)
                continue; // already weak
            var temporary = path + ".weak-tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Delete(path);
            File.Move(temporary, path);
            Log.LogMessage(MessageImportance.Normal, $"{path}: marked version need {VersionName} WEAK.");
        }
        return !Log.HasLoggedErrors;
    }

    /// <returns>true if the flag was set now, false if it was already set, null if no such entry exists.</returns>
    private bool? MarkWeak(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2)
            return null; // not ELF64
        var sectionHeaders = (long)BitConverter.ToUInt64(elf, 0x28);
        int headerSize = BitConverter.ToUInt16(elf, 0x3A), headerCount = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < headerCount; i++)
        {
            var header = sectionHeaders + (long)i * headerSize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed)
                continue;
            var needOffset = (long)BitConverter.ToUInt64(elf, (int)header + 0x18);
            var stringSection = sectionHeaders + (long)BitConverter.ToUInt32(elf, (int)header + 0x28) * headerSize;
            var strings = (long)BitConverter.ToUInt64(elf, (int)stringSection + 0x18);
            var needCount = BitConverter.ToUInt32(elf, (int)header + 0x2C);
            for (var n = 0; n < needCount; n++)
            {
                var auxCount = BitConverter.ToUInt16(elf, (int)needOffset + 2);
                var aux = needOffset + BitConverter.ToUInt32(elf, (int)needOffset + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8));
                    if (name == VersionName)
                    {
                        var flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                            return false;
                        var weak = (ushort)(flags | VerFlagWeak);
                        elf[aux + 4] = (byte)(weak & 0xff); // ELF64 little-endian
                        elf[aux + 5] = (byte)(weak >> 8);
                        return true;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                needOffset += BitConverter.ToUInt32(elf, (int)needOffset + 12);
            }
        }
        return null;
    }

    private static string ReadString(byte[] elf, long offset)
    {
        var end = (int)offset;
        while (elf[end] != 0)
            end++;
        return Encoding.ASCII.GetString(elf, (int)offset, end - (int)offset);
    }
}
